/**
 * A real DynamoDB-compatible server on loopback (dynalite, in memory), with the table layout
 * the relay expects: partition key `id` (String). Point the relay at it with
 * `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { CreateTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

export interface DynamoStandIn {
  url: string;
  client: DynamoDBClient;
  /** Creates a fresh table (active at once) and returns its name. */
  createTable(name?: string): Promise<string>;
  scan(table: string): Promise<Record<string, AttributeValue>[]>;
  close(): Promise<void>;
}

let tables = 0;

export async function startDynamo(): Promise<DynamoStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
  });
  return {
    url,
    client,
    async createTable(name = `relay-idempotency-${++tables}`) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async scan(table) {
      return (await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
    },
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SlowDynamo {
  url: string;
  /** Extra delay per operation (`PutItem`, `UpdateItem`…), changeable between invocations. */
  delays: Record<string, number>;
  close(): Promise<void>;
}

/**
 * A slow table: a loopback proxy in front of the stand-in that holds each request for
 * `delays[operation]` ms before passing it on (the operation is the SDK's `X-Amz-Target`).
 */
export async function startSlowDynamo(target: string, delays: Record<string, number> = {}): Promise<SlowDynamo> {
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (res.destroyed) return;
        const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      }, slow.delays[operation] ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const slow: SlowDynamo = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    delays,
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return slow;
}
