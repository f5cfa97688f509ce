/**
 * Delivery's decisions — retry or not, how long to wait, when to fail over, when to stop for
 * the deadline, the circuit breaker, metrics — with scripted in-process providers and a virtual
 * clock, so every timing is exact and the file runs in milliseconds. The same behaviours are
 * exercised over real loopback servers in pipeline.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDelivery, type DeliveryTuning } from '../../../src/runtime/delivery/deliver.ts';
import { systemClock } from '../../../src/runtime/delivery/policy.ts';
import { ProviderError, RelayError } from '../../../src/runtime/errors.ts';
import { recordingMetrics } from '../../../src/runtime/observability/metrics.ts';
import type { IdempotencyStore } from '../../../src/runtime/delivery/store.ts';
import {
  emailMessage,
  memoryStore,
  noHostedTemplates,
  rejected,
  scriptedProvider,
  silentLogger,
  smsMessage,
  testPolicy,
  unavailable,
  virtualClock,
  type ScriptedProvider,
  type VirtualClock,
} from './support/fakes.ts';

const KEY = 'a'.repeat(64);

function setup(
  email: ScriptedProvider[],
  options: {
    clock?: VirtualClock;
    jitter?: number;
    policy?: Parameters<typeof testPolicy>[0];
    sms?: ScriptedProvider[];
    store?: IdempotencyStore;
    sleep?: (ms: number) => Promise<void>;
  } & Partial<Omit<DeliveryTuning, 'random'>> = {},
) {
  const { clock = virtualClock(), jitter = 0.5, policy = {}, sms = [], store, sleep = clock.sleep, ...tuning } = options;
  const metrics = recordingMetrics();
  const delivery = createDelivery(
    {
      // Scripted providers serve either channel.
      email: email as never,
      sms: sms as never,
      policy: testPolicy(policy),
      hostedTemplates: noHostedTemplates,
      store,
      logger: silentLogger,
      metrics,
      clock: { now: clock.now, sleep },
    },
    { random: () => jitter, ...tuning },
  );
  const deliver = (budgetMs = 30_000, message = emailMessage()) =>
    delivery.deliver(message, { idempotencyKey: KEY, deadline: clock.now() + budgetMs });
  return { delivery, deliver, clock, metrics };
}

describe('delivery: retries', () => {
  it('retries a 503 with full-jitter exponential waits and delivers once', async () => {
    // Prepare
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid'), unavailable('sendgrid'), { provider: 'sendgrid', messageId: 'm-1' }], clock);
    const { deliver, metrics } = setup([sendgrid], { clock, jitter: 0.5 });

    // Act
    const result = await deliver();

    // Assess
    assert.equal(result.messageId, 'm-1');
    assert.equal(sendgrid.calls.length, 3);
    // Full jitter: random × min(cap, 200 ms × 2^(n-1)); random = 0.5 → 100, then 200.
    assert.deepEqual(clock.sleeps, [100, 200]);
    assert.equal(metrics.count({ outcome: 'retried', provider: 'sendgrid' }), 2);
    assert.equal(metrics.count({ outcome: 'delivered', provider: 'sendgrid' }), 1);
  });

  it('draws each wait at random between zero and the exponential ceiling, capped', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')], clock);
    const { deliver } = setup([sendgrid], { clock, jitter: 0.999, policy: { maxAttempts: 6 } });
    await assert.rejects(deliver(60_000));
    // 200, 400, 800, 1600, then capped at 2000 (× 0.999, floored).
    assert.deepEqual(clock.sleeps, [199, 399, 799, 1598, 1998]);
  });

  it('waits at least as long as Retry-After asks', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid', { status: 429, retryAfterMs: 1_000 }), { provider: 'sendgrid' }], clock);
    const { deliver } = setup([sendgrid], { clock, jitter: 0.5 });
    await deliver();
    assert.deepEqual(clock.sleeps, [1_000]);
    assert.equal(sendgrid.calls[1]?.at, (sendgrid.calls[0]?.at ?? 0) + 1_000);
  });

  it('stops after MAX_ATTEMPTS and fails with the provider message', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')]);
    const { deliver, metrics } = setup([sendgrid], { policy: { maxAttempts: 2 } });
    await assert.rejects(deliver(), (error: ProviderError) => {
      assert.equal(error.code, 'PROVIDER_RETRYABLE');
      assert.match(error.message, /sendgrid failed \(HTTP 503\): Service Unavailable/);
      return true;
    });
    assert.equal(sendgrid.calls.length, 2);
    assert.equal(metrics.count({ outcome: 'failed', provider: 'sendgrid' }), 1);
  });

  it('does not retry a permanent failure', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 400, 'content: is required')]);
    const { deliver, clock } = setup([sendgrid]);
    await assert.rejects(deliver(), /sendgrid rejected the message \(HTTP 400\): content: is required/);
    assert.equal(sendgrid.calls.length, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  /** A provider call that hangs until its signal aborts, then fails like a fetch timeout. */
  function hangingSend(abortedAfter: number[]) {
    return async (ctx: { signal: AbortSignal }) => {
      const started = Date.now();
      // A hung socket keeps the process alive; AbortSignal.timeout's own timer does not.
      const socket = setTimeout(() => {}, 10_000);
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      clearTimeout(socket);
      abortedAfter.push(Date.now() - started);
      throw unavailable('sendgrid', { status: undefined, providerMessage: 'request aborted (timeout)' });
    };
  }

  function realClockDelivery(provider: ScriptedProvider, policy: Parameters<typeof testPolicy>[0]) {
    return createDelivery(
      {
        email: [provider] as never,
        sms: [],
        policy: testPolicy(policy),
        hostedTemplates: noHostedTemplates,
        store: undefined,
        logger: silentLogger,
        metrics: recordingMetrics(),
        clock: systemClock,
      },
      { random: () => 0 },
    );
  }

  it('gives each attempt its own timeout (ATTEMPT_TIMEOUT_MS), then tries again', async () => {
    // Real clock here: the provider waits for the abort signal itself.
    const abortedAfter: number[] = [];
    const sendgrid = scriptedProvider('sendgrid', 'email', [hangingSend(abortedAfter), { provider: 'sendgrid', messageId: 'late' }]);
    const delivery = realClockDelivery(sendgrid, { attemptTimeoutMs: 100 });
    const result = await delivery.deliver(emailMessage(), { idempotencyKey: KEY, deadline: Date.now() + 5_000 });
    assert.equal(result.messageId, 'late');
    assert.equal(abortedAfter.length, 1);
    assert.ok((abortedAfter[0] as number) < 1_000, `aborted after ${abortedAfter[0]} ms, long before the deadline`);
  });

  it('cuts an attempt short at the deadline when that comes before ATTEMPT_TIMEOUT_MS', async () => {
    const abortedAfter: number[] = [];
    const sendgrid = scriptedProvider('sendgrid', 'email', [hangingSend(abortedAfter)]);
    const delivery = realClockDelivery(sendgrid, { attemptTimeoutMs: 60_000 });
    const started = Date.now();
    await assert.rejects(delivery.deliver(emailMessage(), { idempotencyKey: KEY, deadline: started + 700 }), (error: RelayError) => error.code === 'DEADLINE');
    assert.equal(sendgrid.calls.length, 1);
    const took = Date.now() - started;
    assert.ok(took >= 600 && took < 1_500, `ended after ${took} ms, at the 700 ms deadline`);
  });
});

describe('delivery: the deadline', () => {
  it('starts nothing when too little time is left, and says so', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }]);
    let claims = 0;
    const store = { claim: async () => ((claims += 1), { claimed: true as const, token: 't' }) } as unknown as IdempotencyStore;
    const { deliver, metrics } = setup([sendgrid], { store });
    await assert.rejects(deliver(300), (error: RelayError) => {
      assert.equal(error.code, 'DEADLINE');
      assert.match(error.message, /300 ms left.*nothing was sent/);
      return true;
    });
    assert.equal(sendgrid.calls.length, 0);
    assert.equal(claims, 0, 'no idempotency record written');
    assert.equal(metrics.count({ outcome: 'failed' }), 1);
  });

  it('never sleeps past the deadline: shortens jittered waits to fit, then gives up', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')], clock, 100);
    const { deliver } = setup([sendgrid], { clock, jitter: 1, policy: { maxAttempts: 5 } });
    const deadline = clock.now() + 1_000;
    await assert.rejects(
      deliver(1_000),
      (error: RelayError) => error.code === 'DEADLINE' && /503/.test(error.message),
    );
    // Attempt at 0 (takes 100 ms), wait 200; attempt at 300, the 400 ms wait shrinks to the 100 ms
    // that still leave 500 ms for an attempt; attempt at 500 ends at 600: no room for another.
    assert.deepEqual(clock.sleeps, [200, 100]);
    assert.equal(sendgrid.calls.length, 3);
    assert.ok(clock.now() <= deadline);
  });

  it('hands over to the next provider instead of waiting out a long Retry-After', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid', { status: 429, retryAfterMs: 60_000 })], clock);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp', messageId: '<1@x>' }], clock);
    const { deliver, metrics } = setup([sendgrid, smtp], { clock });
    const result = await deliver();
    assert.equal(result.provider, 'smtp');
    assert.deepEqual(clock.sleeps, []);
    assert.equal(metrics.count({ outcome: 'failed_over', provider: 'sendgrid' }), 1);
  });

  it('gives up at once when the only provider asks for a wait that would outlast the deadline', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid', { status: 429, retryAfterMs: 5_000 })], clock);
    const { deliver } = setup([sendgrid], { clock });
    await assert.rejects(deliver(3_000), (error: RelayError) => error.code === 'PROVIDER_WAIT_TOO_LONG' && /asked to wait 5\.0 s \(Retry-After\)/.test(error.message) && /HTTP 429/.test(error.message));
    assert.deepEqual(clock.sleeps, []);
    assert.equal(sendgrid.calls.length, 1);
  });
});

describe('delivery: failover', () => {
  it('fails over when the primary rejects its own credentials (401)', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 401, 'The provided authorization grant is invalid', 'check SENDGRID_API_KEY')]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp', messageId: '<1@x>' }]);
    const { deliver, metrics } = setup([sendgrid, smtp]);
    const result = await deliver();
    assert.equal(result.provider, 'smtp');
    assert.equal(sendgrid.calls.length, 1, 'a 401 is not retried');
    assert.equal(metrics.count({ outcome: 'failed_over', provider: 'sendgrid' }), 1);
    assert.equal(metrics.count({ outcome: 'delivered', provider: 'smtp' }), 1);
  });

  it('does not fail over an invalid phone number (Twilio 21211, marked as the recipient’s)', async () => {
    const twilio = scriptedProvider('twilio', 'sms', [rejected('twilio', 400, "21211 The 'To' number +1415 is not a valid phone number.", "the user's phone_number is not a valid phone number", { recipient: true })]);
    const backup = scriptedProvider('backup-sms', 'sms', [{ provider: 'backup-sms' }]);
    const { delivery, clock } = setup([], { sms: [twilio, backup] });
    await assert.rejects(
      delivery.deliver(smsMessage(), { idempotencyKey: KEY, deadline: clock.now() + 30_000 }),
      /21211.*not a valid phone number/,
    );
    assert.equal(backup.calls.length, 0);
  });

  it('does not work around an opt-out (Twilio 21610, the user replied STOP)', async () => {
    const twilio = scriptedProvider('twilio', 'sms', [rejected('twilio', 400, '21610 Attempt to send to unsubscribed recipient', undefined, { recipient: true })]);
    const backup = scriptedProvider('backup-sms', 'sms', [{ provider: 'backup-sms' }]);
    const { delivery, clock } = setup([], { sms: [twilio, backup] });
    await assert.rejects(delivery.deliver(smsMessage(), { idempotencyKey: KEY, deadline: clock.now() + 30_000 }), /21610/);
    assert.equal(backup.calls.length, 0);
  });

  it('does not fail over when the provider says the address itself is invalid', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 400, 'personalizations.0.to.0.email: Does not contain a valid address.', undefined, { recipient: true })]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }]);
    const { deliver } = setup([sendgrid, smtp]);
    await assert.rejects(deliver(), /Does not contain a valid address/);
    assert.equal(smtp.calls.length, 0);
  });

  it('fails over after the primary exhausts its retries, then reports both providers when all fail', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')], clock);
    const smtp = scriptedProvider('smtp', 'email', [rejected('smtp', 535, 'Authentication failed', 'check the user and password in SMTP_URL')], clock);
    const { deliver } = setup([sendgrid, smtp], { clock });
    await assert.rejects(deliver(), (error: RelayError) => {
      assert.equal(error.code, 'DELIVERY_FAILED');
      assert.match(error.message, /sendgrid failed \(HTTP 503\)/);
      assert.match(error.message, /smtp rejected the message \(HTTP 535\).*SMTP_URL/);
      return true;
    });
    assert.equal(sendgrid.calls.length, 3);
  });

  it('treats an unexpected exception in a provider as that provider failing, and fails over', async () => {
    const buggy = scriptedProvider('sendgrid', 'email', [new TypeError("Cannot read properties of undefined (reading 'id')")]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }]);
    const { deliver } = setup([buggy, smtp]);
    assert.equal((await deliver()).provider, 'smtp');
  });

  it('passes the idempotency key to every attempt', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid'), { provider: 'sendgrid' }]);
    const { deliver } = setup([sendgrid]);
    await deliver();
    assert.deepEqual(sendgrid.calls.map((c) => c.ctx.idempotencyKey), [KEY, KEY]);
  });
});

describe('delivery: circuit breaker', () => {
  it('skips a provider that keeps failing on the next invocations, then tries it again after the cool-down', async () => {
    // Prepare
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid'), unavailable('sendgrid'), unavailable('sendgrid'), { provider: 'sendgrid' }], clock);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }], clock);
    const { deliver } = setup([sendgrid, smtp], { clock, policy: { breaker: { threshold: 3, cooldownMs: 30_000 } } });

    // Act + Assess: first invocation: three failures open the breaker, smtp delivers.
    assert.equal((await deliver()).provider, 'smtp');
    assert.equal(sendgrid.calls.length, 3);
    // Within the cool-down: sendgrid is not even tried.
    clock.advance(10_000);
    assert.equal((await deliver()).provider, 'smtp');
    assert.equal(sendgrid.calls.length, 3);
    // After it: half-open, one trial, which succeeds and closes it.
    clock.advance(30_000);
    assert.equal((await deliver()).provider, 'sendgrid');
    assert.equal(sendgrid.calls.length, 4);
  });

  it('fails over as soon as the breaker opens, without using up the remaining attempts', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')], clock);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }], clock);
    const { deliver } = setup([sendgrid, smtp], { clock, policy: { maxAttempts: 5, breaker: { threshold: 2 } } });
    await deliver();
    assert.equal(sendgrid.calls.length, 2);
  });

  it('still tries when every provider is open, rather than drop the code', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid'), unavailable('sendgrid'), unavailable('sendgrid'), { provider: 'sendgrid' }], clock);
    const { deliver } = setup([sendgrid], { clock, policy: { breaker: { threshold: 3 } } });
    await assert.rejects(deliver());
    assert.equal((await deliver()).provider, 'sendgrid');
  });

  it('is not opened by permanent failures', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 403, 'from address not verified')], clock);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }], clock);
    const { deliver } = setup([sendgrid, smtp], { clock, policy: { breaker: { threshold: 1 } } });
    await deliver();
    await deliver();
    assert.equal(sendgrid.calls.length, 2);
  });
});

describe('delivery: idempotency store edge cases', () => {
  it('waits for a concurrent duplicate to finish and acknowledges it without sending', async () => {
    const clock = virtualClock();
    const store = memoryStore();
    store.records.set(KEY, { status: 'IN_PROGRESS', leaseUntil: clock.now() + 60_000, token: 'other' });
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }], clock);
    const sleep = async (ms: number) => {
      await clock.sleep(ms);
      store.records.set(KEY, { status: 'COMPLETED', provider: 'sendgrid', messageId: 'first', token: 'other' });
    };
    const { deliver, metrics } = setup([sendgrid], { clock, store, sleep });
    const result = await deliver();
    assert.equal(result.deduplicated, true);
    assert.equal(result.messageId, 'first');
    assert.equal(sendgrid.calls.length, 0);
    assert.equal(metrics.count({ outcome: 'deduplicated', provider: 'sendgrid' }), 1);
  });

  it('fails with DELIVERY_IN_PROGRESS, sending nothing, when the other invocation is still at it', async () => {
    const clock = virtualClock();
    const store = memoryStore();
    store.records.set(KEY, { status: 'IN_PROGRESS', leaseUntil: clock.now() + 60_000, token: 'other' });
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }], clock);
    const { deliver } = setup([sendgrid], { clock, store, inProgressWaitMs: 1_000 });
    await assert.rejects(deliver(), (error: RelayError) => error.code === 'DELIVERY_IN_PROGRESS' && /Lambda retries/.test(error.message));
    assert.equal(sendgrid.calls.length, 0);
    assert.ok(clock.sleeps.reduce((a, b) => a + b, 0) <= 1_000);
  });

  it('still delivers when the table is unreachable: a duplicate is better than a lost code', async () => {
    const store = memoryStore({
      claim: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
      },
    });
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }]);
    const { deliver } = setup([sendgrid], { store });
    assert.equal((await deliver()).provider, 'sendgrid');
    assert.equal(sendgrid.calls.length, 1);
  });

  it('reports success when the provider accepted but recording it failed (a retry would send twice)', async () => {
    const store = memoryStore({
      complete: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid', messageId: 'ok' }]);
    const { deliver } = setup([sendgrid], { store });
    assert.equal((await deliver()).messageId, 'ok');
  });

  it('releases its claim when the send fails, so the retry can send', async () => {
    const store = memoryStore();
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 401, 'bad key'), { provider: 'sendgrid', messageId: 'second' }]);
    const { deliver } = setup([sendgrid], { store });
    await assert.rejects(deliver());
    assert.equal(store.records.size, 0);
    assert.equal((await deliver()).messageId, 'second');
    assert.equal(store.records.get(KEY)?.status, 'COMPLETED');
  });
});

describe('delivery: metrics', () => {
  it('flushes once per invocation, with the latency of the final outcome', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }], clock, 42);
    const { deliver, metrics } = setup([sendgrid], { clock });
    await deliver();
    assert.equal(metrics.flushes, 1);
    const latency = metrics.flushed.filter((p) => p.name === 'DeliveryLatency');
    assert.deepEqual(latency.map((p) => [p.value, p.unit, p.dimensions]), [
      [42, 'Milliseconds', { trigger: 'SignUp', channel: 'email', provider: 'sendgrid', outcome: 'delivered' }],
    ]);
  });

  it('counts a failure against the last provider tried, and flushes even when delivery throws', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [rejected('sendgrid', 400, 'bad request')]);
    const { deliver, metrics } = setup([sendgrid]);
    await assert.rejects(deliver());
    assert.equal(metrics.flushes, 1);
    assert.equal(metrics.count({ outcome: 'failed', provider: 'sendgrid', channel: 'email', trigger: 'SignUp' }), 1);
  });
});

describe('delivery: settings', () => {
  it('honours MAX_ATTEMPTS=1 as "no retries"', async () => {
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid'), { provider: 'sendgrid' }]);
    const { deliver } = setup([sendgrid], { policy: { maxAttempts: 1 } });
    await assert.rejects(deliver());
    assert.equal(sendgrid.calls.length, 1);
  });

  it('fails with a clear error when the channel has no provider', async () => {
    const { delivery, clock } = setup([]);
    await assert.rejects(
      delivery.deliver(smsMessage(), { idempotencyKey: KEY, deadline: clock.now() + 10_000 }),
      (error: RelayError) => error.code === 'CHANNEL_NOT_CONFIGURED' && /SMS_PROVIDER/.test(error.message),
    );
  });
});
