/**
 * A loopback SendGrid `POST /v3/mail/send` for the benchmark: answers 202 with an
 * `X-Message-Id`, like SendGrid, and counts TCP connections so the bench can show that clients
 * reuse them (keep-alive) instead of connecting per message.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SendGridStandIn {
  url: string;
  /** Authorization header and body of every request, in order. */
  requests: { authorization: string; body: string }[];
  readonly connections: number;
  close(): Promise<void>;
}

export async function startSendGridStandIn(): Promise<SendGridStandIn> {
  const requests: SendGridStandIn['requests'] = [];
  let connections = 0;
  let sequence = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ authorization: request.headers.authorization ?? '', body: Buffer.concat(chunks).toString('utf8') });
      sequence += 1;
      response.writeHead(202, { 'x-message-id': `bench-${sequence}`, 'content-length': '0' }).end();
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
