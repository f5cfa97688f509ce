import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeTransport } from '../../../src/runtime/providers/transport.ts';
import { httpFailure, request, type FetchLikeInit } from '../../../src/runtime/providers/http.ts';
import { ProviderError } from '../../../src/runtime/errors.ts';

interface LoopbackServer {
  url: string;
  /** TCP connections accepted so far. */
  connections: number;
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  /** Resolves when a client connection closes (to see an abort reach the wire). */
  connectionClosed: Promise<void>;
  close(): Promise<void>;
}

const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A real server on 127.0.0.1:0 that records requests; `answer` replies (or does not). */
async function startServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackServer> {
  let markClosed: () => void = () => {};
  const state: LoopbackServer = {
    url: '',
    connections: 0,
    requests: [],
    connectionClosed: new Promise<void>((resolve) => (markClosed = resolve)),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  server.on('connection', (socket) => {
    state.connections += 1;
    socket.on('close', () => markClosed());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push(state);
  return state;
}

function post(body: FetchLikeInit['body'], signal: AbortSignal = AbortSignal.timeout(5000), headers: Record<string, string> = {}): FetchLikeInit {
  return { method: 'POST', headers, body, signal, redirect: 'error' };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { cause?: { code?: string } }> {
  return promise.then(
    () => assert.fail('should have been rejected'),
    (error: unknown) => error as Error & { cause?: { code?: string } },
  );
}

describe('nodeTransport', () => {
  it('sends the body and headers and returns status, headers and text as fetch would', async () => {
    const server = await startServer((_req, res) => {
      res.setHeader('x-message-id', 'msg-1');
      res.setHeader('x-multi', ['a', 'b']);
      res.writeHead(202, { 'content-type': 'application/json; charset=utf-8' }).end('{"greeting":"héllo ✓"}');
    });
    const response = await nodeTransport(
      `${server.url}/v3/mail/send?x=1`,
      post('{"code":"123456"}', undefined, { Authorization: 'Bearer k', 'Content-Type': 'application/json' }),
    );
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('X-Message-Id'), 'msg-1');
    assert.equal(response.headers.get('x-multi'), 'a, b');
    assert.equal(response.headers.get('x-absent'), null);
    assert.equal(await response.text(), '{"greeting":"héllo ✓"}');

    const [received] = server.requests;
    assert.equal(received?.method, 'POST');
    assert.equal(received?.path, '/v3/mail/send?x=1');
    assert.equal(received?.body, '{"code":"123456"}');
    assert.equal(received?.headers.authorization, 'Bearer k');
    assert.equal(received?.headers['content-type'], 'application/json');
    assert.equal(received?.headers['content-length'], '17');
  });

  it('form-encodes a URLSearchParams body and labels it when the caller did not', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('ok'));
    const form = new URLSearchParams({ To: '+15005550006', Body: 'Your code is 123456 & more' });
    const response = await nodeTransport(`${server.url}/Messages.json`, { ...post(form), method: 'PUT' });
    assert.equal(await response.text(), 'ok');
    const [received] = server.requests;
    assert.equal(received?.method, 'PUT');
    assert.equal(received?.headers['content-type'], 'application/x-www-form-urlencoded;charset=UTF-8');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(received?.body)), { To: '+15005550006', Body: 'Your code is 123456 & more' });
  });

  it('reuses one TCP connection for consecutive requests (keep-alive)', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('{}'));
    for (let i = 0; i < 5; i++) {
      const response = await nodeTransport(`${server.url}/send`, post(`{"n":${i}}`));
      assert.equal(response.status, 200);
      await response.text();
    }
    assert.equal(server.requests.length, 5);
    assert.equal(server.connections, 1);
  });

  it('rejects promptly with an AbortError and drops the connection when the signal aborts while the server hangs', async () => {
    const server = await startServer(() => {
      // Never answers.
    });
    const started = Date.now();
    const error = await rejection(nodeTransport(`${server.url}/hang`, post('{}', AbortSignal.timeout(150))));
    const elapsed = Date.now() - started;
    assert.equal(error.name, 'AbortError');
    assert.match(error.message, /aborted/);
    assert.ok(elapsed < 1500, `rejected after ${elapsed} ms`);
    assert.equal((error as { requestSent?: boolean }).requestSent, true, 'the request was on the wire');
    await server.connectionClosed;
  });

  it('rejects the body read with an AbortError when the signal aborts mid-body', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":'); // ...and the rest never comes.
    });
    const controller = new AbortController();
    const response = await nodeTransport(`${server.url}/slow-body`, post('{}', controller.signal));
    assert.equal(response.status, 200);
    const reading = response.text();
    setTimeout(() => controller.abort(new Error('attempt timeout')), 50);
    const error = await rejection(reading);
    assert.equal(error.name, 'AbortError');
    assert.match(error.message, /aborted \(attempt timeout\)/);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    const error = await rejection(nodeTransport(`${server.url}/send`, post('{}', AbortSignal.abort())));
    assert.equal(error.name, 'AbortError');
    assert.equal(server.connections, 0);
  });

  it('reports a refused connection with cause.code ECONNREFUSED, like undici', async () => {
    const closed = await startServer(() => {});
    await closed.close();
    const error = await rejection(nodeTransport(`${closed.url}/send`, post('{}')));
    assert.equal(error.cause?.code, 'ECONNREFUSED');
    assert.equal((error as { requestSent?: boolean }).requestSent, false, 'nothing was sent');
  });

  it('counts a reused keep-alive connection as sent when the next attempt hangs', async () => {
    let calls = 0;
    const server = await startServer((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(200).end('{}');
    });
    await (await nodeTransport(`${server.url}/send`, post('{}'))).text();
    const error = await rejection(nodeTransport(`${server.url}/send`, post('{}', AbortSignal.timeout(150))));
    assert.equal(server.connections, 1, 'the second request reused the first connection');
    assert.equal((error as { requestSent?: boolean }).requestSent, true);
  });

  it('returns a 3xx as a response without following it', async () => {
    const target = await startServer((_req, res) => res.writeHead(200).end());
    const redirecting = await startServer((_req, res) => res.writeHead(307, { location: `${target.url}/elsewhere` }).end());
    const response = await nodeTransport(`${redirecting.url}/hook`, post('{"code":"123456"}'));
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('location'), `${target.url}/elsewhere`);
    assert.equal(target.requests.length, 0);
  });

  it('reads at most 1 MiB of a response body, or the cap the caller gives', async () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const server = await startServer((_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end(huge));
    const response = await nodeTransport(`${server.url}/send`, post('{}'));
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.equal(text.length, 1024 * 1024);
    assert.ok(huge.startsWith(text));
    const capped = await nodeTransport(`${server.url}/send`, post('{}'));
    assert.equal((await capped.text(8192)).length, 8192);
  });

  it('refuses a body it cannot encode instead of sending something else', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end());
    const form = new FormData();
    form.set('to', 'user@example.com');
    const error = await rejection(nodeTransport(`${server.url}/send`, post(form as unknown as string)));
    assert.match(error.message, /only string and URLSearchParams bodies/);
    assert.equal(server.connections, 0);
  });
});

/** Sends through request() over the transport and returns the ProviderError it must fail with. */
async function failureOf(req: Omit<Parameters<typeof request>[0], 'fetch'>): Promise<ProviderError> {
  const error = await request({ ...req, fetch: nodeTransport }).then(
    () => assert.fail('should have failed'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProviderError);
  return error;
}

describe('request() over nodeTransport', () => {
  it('classifies an abort while the provider hangs after the request was sent as unknown', async () => {
    const server = await startServer(() => {});
    const error = await failureOf({
      provider: 'sendgrid',
      url: `${server.url}/v3/mail/send`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      // Long enough for a cold first connection on a busy machine; the server never answers.
      signal: AbortSignal.timeout(1000),
    });
    assert.equal(error.kind, 'unknown');
    assert.match(error.message, /no answer before the attempt ended.*after the request was sent/);
  });

  it('classifies a refused connection as a retryable network error naming ECONNREFUSED', async () => {
    const closed = await startServer(() => {});
    await closed.close();
    const error = await failureOf({
      provider: 'twilio',
      url: `${closed.url}/send`,
      headers: {},
      body: new URLSearchParams({ Body: 'hi' }),
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(error.kind, 'retryable');
    assert.match(error.message, /network error: ECONNREFUSED, before the request was sent/);
  });

  it('turns a 307 into the permanent redirect error and never re-sends the body', async () => {
    const target = await startServer((_req, res) => res.writeHead(200).end());
    const redirecting = await startServer((_req, res) => res.writeHead(307, { location: `${target.url}/elsewhere` }).end());
    const error = await failureOf({
      provider: 'webhook',
      url: `${redirecting.url}/hook`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: '123456' }),
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(error.kind, 'permanent');
    assert.equal(error.status, 307);
    assert.match(error.message, /redirect/);
    assert.equal(target.requests.length, 0, 'the redirect target received nothing');
  });

  it('reads the wait from a 429 and the message from its body', async () => {
    const server = await startServer((_req, res) =>
      res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' }).end('{"message":"slow down"}'),
    );
    const answer = await request({
      provider: 'resend',
      url: `${server.url}/emails`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(5000),
      fetch: nodeTransport,
    });
    const error = httpFailure(answer, { provider: 'resend' });
    assert.equal(error.kind, 'retryable');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterMs, 3000);
    assert.equal(error.providerMessage, 'slow down');
  });
});
