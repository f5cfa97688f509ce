/**
 * A real DynamoDB-compatible server on loopback (dynalite, in memory), with the table layout
 * the relay expects: partition key `id` (String). Point the relay at it with
 * `AWS_ENDPOINT_URL_DYNAMODB`.
 */
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
