/**
 * A real HTTP server on loopback that plays a provider: it records every request and answers
 * from a script (status, headers, body, optional delay), so tests replay success, 2xx-that-fails,
 * 4xx, 429, 5xx and hangs exactly as the provider would send them.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Delay before answering (ms); use a long one to simulate a hang. */
  delayMs?: number;
}

/** A response computed from the request (e.g. an error page that echoes it). */
export type Responder = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  /** Responses used in order; the last one repeats. */
  script(...responses: Responder[]): void;
  close(): Promise<void>;
}

export async function startFakeProvider(defaultResponse: ScriptedResponse): Promise<FakeProvider> {
  let queue: Responder[] = [defaultResponse];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(recorded);
      const next = (queue.length > 1 ? queue.shift() : queue[0]) as Responder;
      const response = typeof next === 'function' ? next(recorded) : next;
      const answer = () => {
        const body = typeof response.body === 'object' ? JSON.stringify(response.body) : (response.body ?? '');
        const headers = { ...(typeof response.body === 'object' ? { 'content-type': 'application/json' } : {}), ...response.headers };
        res.writeHead(response.status, headers).end(body);
      };
      if (response.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer();
        }, response.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(...responses) {
      queue = responses;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
