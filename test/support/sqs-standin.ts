/**
 * A loopback stand-in for Amazon SQS, speaking the JSON protocol the AWS SDK v3 uses
 * (`POST /`, `X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`). Enough for the
 * replay command: ReceiveMessage (with visibility timeouts, MD5OfBody, SentTimestamp),
 * DeleteMessage, and a way for tests to enqueue messages. Unknown queues answer
 * `QueueDoesNotExist` like the real service.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredMessage {
  messageId: string;
  body: string;
  sentTimestamp: number;
  receiveCount: number;
  /** Epoch ms until which the message is hidden from receives. */
  invisibleUntil: number;
  receiptHandle: string | undefined;
}

export interface SqsStandIn {
  /** `http://127.0.0.1:<port>` — an `AWS_ENDPOINT_URL_SQS`. */
  url: string;
  /** Creates a queue and returns its URL (`<url>/<account>/<name>`). */
  createQueue(name: string): string;
  /** Enqueues a message; `sentAt` back-dates it (epoch ms). */
  send(queueUrl: string, body: string, options?: { sentAt?: number }): string;
  /** Messages still in the queue, visible or not. */
  messages(queueUrl: string): StoredMessage[];
  /** Every action called, in order, e.g. `ReceiveMessage`. */
  calls: { action: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

const ACCOUNT = '111122223333';

export async function startSqsStandIn(): Promise<SqsStandIn> {
  const queues = new Map<string, StoredMessage[]>();
  const calls: SqsStandIn['calls'] = [];
  let base = '';

  const queueName = (queueUrl: unknown) => {
    const path = typeof queueUrl === 'string' ? new URL(queueUrl, 'http://x').pathname : '';
    return path.split('/').filter(Boolean).join('/');
  };

  function handle(action: string, input: Record<string, unknown>): { status: number; body: unknown } {
    const queue = queues.get(queueName(input.QueueUrl));
    if (!queue) {
      return {
        status: 400,
        body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
      };
    }
    if (action === 'ReceiveMessage') {
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const visibilityMs = Number(input.VisibilityTimeout ?? 30) * 1000;
      const now = Date.now();
      const picked = queue.filter((m) => m.invisibleUntil <= now).slice(0, max);
      for (const m of picked) {
        m.receiveCount += 1;
        m.invisibleUntil = now + visibilityMs;
        m.receiptHandle = randomUUID();
      }
      return {
        status: 200,
        body: {
          Messages: picked.map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: createHash('md5').update(m.body).digest('hex'),
            Body: m.body,
            Attributes: {
              SentTimestamp: String(m.sentTimestamp),
              ApproximateReceiveCount: String(m.receiveCount),
            },
          })),
        },
      };
    }
    if (action === 'DeleteMessage') {
      const index = queue.findIndex((m) => m.receiptHandle !== undefined && m.receiptHandle === input.ReceiptHandle);
      if (index < 0) {
        return {
          status: 400,
          body: { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', message: 'The input receipt handle is invalid.' },
        };
      }
      queue.splice(index, 1);
      return { status: 200, body: {} };
    }
    return { status: 400, body: { __type: 'com.amazonaws.sqs#InvalidAction', message: `${action} is not supported by the stand-in` } };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target.replace(/^AmazonSQS\./, '');
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // answered below as a missing queue
      }
      calls.push({ action, body: input });
      const signed = String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256');
      const answer = signed
        ? handle(action, input)
        : { status: 400, body: { __type: 'com.amazonaws.sqs#MissingAuthenticationToken', message: 'Request is missing Authentication Token' } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    calls,
    createQueue(name) {
      queues.set(`${ACCOUNT}/${name}`, []);
      return `${base}/${ACCOUNT}/${name}`;
    },
    send(queueUrl, body, options = {}) {
      const queue = queues.get(queueName(queueUrl));
      if (!queue) throw new Error(`no queue ${queueUrl}`);
      const messageId = randomUUID();
      queue.push({ messageId, body, sentTimestamp: options.sentAt ?? Date.now(), receiveCount: 0, invisibleUntil: 0, receiptHandle: undefined });
      return messageId;
    },
    messages(queueUrl) {
      return [...(queues.get(queueName(queueUrl)) ?? [])];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
