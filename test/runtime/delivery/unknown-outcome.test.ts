/**
 * A provider that accepts after the attempt timeout (red-team hole: three complete requests per
 * invocation, up to nine paid SMS with Lambda's retries). A real HTTP server on loopback counts
 * what reached it; the test provider raises `unknown` when its request was fully written but no
 * answer came before the abort, which is how the providers' HTTP transport classifies it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDelivery } from '../../../src/runtime/delivery/deliver.ts';
import { systemClock } from '../../../src/runtime/delivery/policy.ts';
import { ProviderError, type RelayError } from '../../../src/runtime/errors.ts';
import { recordingMetrics } from '../../../src/runtime/observability/metrics.ts';
import type { SmsMessage, SmsProvider } from '../../../src/runtime/providers/types.ts';
import { memoryStore, noHostedTemplates, silentLogger, smsMessage, testPolicy } from './support/fakes.ts';

/** An SMS API that sends each request it receives, answering `acceptAfterMs` later. */
interface SlowSmsApi {
  url: string;
  /** Requests received, in order, with their idempotency key. */
  requests: { key: string }[];
  /** Messages that went out to the phone network. */
  sent: number;
  close(): Promise<void>;
}

/** `dedupe`: like Resend or Bird, a repeated key is answered with the first result and sends nothing. */
async function startSlowSmsApi(acceptAfterMs: number, dedupe: boolean): Promise<SlowSmsApi> {
  const byKey = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const api: SlowSmsApi = {
    url: '',
    requests: [],
    sent: 0,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      api.requests.push({ key });
      const known = dedupe ? byKey.get(key) : undefined;
      if (known) return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: known }));
      // Received means sent, whether or not the client is still there for the answer.
      api.sent += 1;
      const id = `SM${api.sent}`;
      byKey.set(key, id);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
      }, acceptAfterMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;
  return api;
}

/** Talks to the API over real HTTP; no answer after the request was written = unknown outcome. */
function httpSmsProvider(name: string, url: string, idempotent: boolean): SmsProvider {
  return {
    name,
    channel: 'sms',
    idempotent,
    send(message: SmsMessage, ctx) {
      return new Promise((resolve, reject) => {
        const req = request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey },
          signal: ctx.signal,
          agent: false,
        });
        let written = false;
        req.on('finish', () => {
          written = true;
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ provider: name, messageId: (JSON.parse(body) as { id: string }).id }));
        });
        req.on('error', (error) =>
          reject(new ProviderError({ provider: name, kind: written ? 'unknown' : 'retryable', providerMessage: 'no answer (timeout)', cause: error })),
        );
        req.end(JSON.stringify({ to: message.to, text: message.text }));
      });
    },
  };
}

function deliveryWith(sms: SmsProvider[], policy: Parameters<typeof testPolicy>[0], store = memoryStore()) {
  const metrics = recordingMetrics();
  const delivery = createDelivery(
    { email: [], sms, policy: testPolicy(policy), hostedTemplates: noHostedTemplates, store, logger: silentLogger, metrics, clock: systemClock },
    { backoff: { baseMs: 10, maxMs: 20 } },
  );
  const deliver = () => delivery.deliver(smsMessage(), { idempotencyKey: 'k'.repeat(64), deadline: Date.now() + 20_000 });
  return { delivery, deliver, metrics, store };
}

/** A fresh API per test, closed when the test ends. */
async function slowApi(t: { after(fn: () => Promise<void>): void }, acceptAfterMs: number, dedupe = false): Promise<SlowSmsApi> {
  const api = await startSlowSmsApi(acceptAfterMs, dedupe);
  t.after(() => api.close());
  return api;
}

describe('unknown outcomes: a provider that accepts after the attempt timeout', () => {
  it('sends at most one more copy per invocation through a provider without idempotency keys, and says so', async (t) => {
    // Prepare: every answer comes 1 s after the 500 ms attempt timeout, every request is sent.
    const api = await slowApi(t, 1_500);
    const { deliver, metrics } = deliveryWith([httpSmsProvider('slow-sms', api.url, false)], { attemptTimeoutMs: 500 });

    // Act
    const failure = await deliver().then(
      () => assert.fail('delivery cannot know it was accepted'),
      (error: RelayError) => error,
    );

    // Assess: the first request and one resend (UNKNOWN_OUTCOME_RESENDS=1), not MAX_ATTEMPTS (3).
    assert.equal(failure.code, 'PROVIDER_OUTCOME_UNKNOWN');
    assert.match(failure.message, /may have been sent/);
    assert.equal(api.requests.length, 2);
    assert.equal(metrics.count({ outcome: 'unknown_outcome', provider: 'slow-sms' }), 2);
  });

  it('keeps Lambda’s retries to 2 copies each: 6 at most for one event, not 9', async (t) => {
    const api = await slowApi(t, 1_500);
    const { deliver } = deliveryWith([httpSmsProvider('slow-sms', api.url, false)], { attemptTimeoutMs: 500 });
    for (let invocation = 0; invocation < 3; invocation += 1) await assert.rejects(deliver());
    assert.equal(api.sent, 6);
  });

  it('sends once per invocation with UNKNOWN_OUTCOME_RESENDS=0', async (t) => {
    const api = await slowApi(t, 1_500);
    const { deliver } = deliveryWith([httpSmsProvider('slow-sms', api.url, false)], { attemptTimeoutMs: 500, unknownOutcomeResends: 0 });
    await assert.rejects(deliver(), /may have been sent/);
    assert.equal(api.requests.length, 1);
  });

  it('retries a provider that dedupes on the key with the same key, and the user gets one message', async (t) => {
    const api = await slowApi(t, 1_500, true);
    const { deliver } = deliveryWith([httpSmsProvider('dedupe-sms', api.url, true)], { attemptTimeoutMs: 500 });
    const result = await deliver();
    assert.equal(result.messageId, 'SM1');
    assert.ok(api.requests.length >= 2, `${api.requests.length} requests`);
    assert.deepEqual(new Set(api.requests.map((r) => r.key)), new Set(['k'.repeat(64)]));
    assert.equal(api.sent, 1);
  });

  it('hands over to the next provider at once rather than resend blindly to the silent one', async (t) => {
    const api = await slowApi(t, 1_500);
    const backup = await slowApi(t, 0);
    const { deliver } = deliveryWith([httpSmsProvider('slow-sms', api.url, false), httpSmsProvider('backup-sms', backup.url, false)], {
      attemptTimeoutMs: 500,
    });
    const result = await deliver();
    assert.equal(result.provider, 'backup-sms');
    assert.equal(api.requests.length, 1);
    assert.equal(backup.requests.length, 1);
  });

  it('does not give back the SMS allowance when the provider may have sent it', async (t) => {
    const api = await slowApi(t, 1_500);
    const store = memoryStore();
    const { deliver } = deliveryWith([httpSmsProvider('slow-sms', api.url, false)], { attemptTimeoutMs: 500, sms: { maxPerNumberPerHour: 5 } }, store);
    await assert.rejects(deliver());
    assert.deepEqual([...store.counters.values()], [1]);
  });

  it('waits long enough by default for a provider that answers in 5.5 s (the red-team case): one request, delivered', async (t) => {
    const api = await slowApi(t, 5_500);
    const { deliver } = deliveryWith([httpSmsProvider('slow-sms', api.url, false)], {});
    const result = await deliver();
    assert.equal(result.messageId, 'SM1');
    assert.equal(api.requests.length, 1);
  });
});
