/** Retry with backoff on its own: the decision after a failure, and one provider's retry loop. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreakers } from '../../../src/runtime/delivery/circuit-breaker.ts';
import { afterFailure, retryDelay, sendWithRetries, type DeliveryRun } from '../../../src/runtime/delivery/retry.ts';
import { ProviderError, type RelayError } from '../../../src/runtime/errors.ts';
import { rejected, scriptedProvider, silentLogger, smsMessage, unavailable, virtualClock } from './support/fakes.ts';

const unknown = (provider: string) => new ProviderError({ provider, kind: 'unknown', providerMessage: 'no answer (timeout)' });
const backoff = { baseMs: 200, maxMs: 2_000, random: () => 0.5 };
const facts = (error: ProviderError, extra: Partial<Parameters<typeof afterFailure>[0]> = {}) =>
  afterFailure({
    error,
    attempt: 1,
    maxAttempts: 3,
    idempotent: false,
    unknownResendsLeft: 1,
    breakerOpen: false,
    hasNext: false,
    spareMs: 10_000,
    maxRetryWaitMs: 10_000,
    backoff,
    ...extra,
  });

describe('retry: the wait', () => {
  it('draws a full-jitter wait under an exponential, capped ceiling', () => {
    assert.equal(retryDelay(1, undefined, { ...backoff, random: () => 0.999 }), 199);
    assert.equal(retryDelay(4, undefined, { ...backoff, random: () => 0.999 }), 1_598);
    assert.equal(retryDelay(9, undefined, { ...backoff, random: () => 0.999 }), 1_998);
  });

  it('waits at least what the provider asked for', () => {
    assert.equal(retryDelay(1, 5_000, backoff), 5_000);
  });
});

describe('retry: the decision after a failed attempt', () => {
  it('retries a retryable failure until MAX_ATTEMPTS, then hands over', () => {
    assert.deepEqual(facts(unavailable('sendgrid')), { action: 'retry', delayMs: 100, usesUnknownResend: false });
    assert.deepEqual(facts(unavailable('sendgrid'), { attempt: 3 }), { action: 'next' });
  });

  it('never retries a permanent failure; stops the chain when it is about the recipient', () => {
    assert.deepEqual(facts(rejected('sendgrid', 401, 'bad key')), { action: 'next' });
    assert.deepEqual(facts(rejected('twilio', 400, '21211', undefined, { recipient: true })), { action: 'stop', reason: 'recipient' });
  });

  it('retries an unknown outcome like any failure when the provider dedupes on the key', () => {
    assert.deepEqual(facts(unknown('resend'), { idempotent: true, unknownResendsLeft: 0 }), { action: 'retry', delayMs: 100, usesUnknownResend: false });
  });

  it('resends an unknown outcome without idempotency only within the budget, and only on the last provider', () => {
    assert.deepEqual(facts(unknown('twilio')), { action: 'retry', delayMs: 100, usesUnknownResend: true });
    assert.deepEqual(facts(unknown('twilio'), { unknownResendsLeft: 0 }), { action: 'next' });
    assert.deepEqual(facts(unknown('twilio'), { hasNext: true }), { action: 'next' });
  });

  it('hands over at once when the breaker opened or the provider asks for a long wait, if there is a next provider', () => {
    assert.deepEqual(facts(unavailable('sendgrid'), { hasNext: true, breakerOpen: true }), { action: 'next' });
    assert.deepEqual(facts(unavailable('sendgrid', { retryAfterMs: 60_000 }), { hasNext: true }), { action: 'next' });
    assert.equal(facts(unavailable('sendgrid'), { breakerOpen: true }).action, 'retry', 'the last provider keeps trying');
  });

  it('shrinks a jittered wait to fit the deadline, but stops when a wait the provider asked for does not fit', () => {
    assert.deepEqual(facts(unavailable('sendgrid'), { spareMs: 40 }), { action: 'retry', delayMs: 40, usesUnknownResend: false });
    assert.deepEqual(facts(unavailable('sendgrid', { retryAfterMs: 5_000 }), { spareMs: 1_000 }), { action: 'stop', reason: 'wait' });
    assert.deepEqual(facts(unavailable('sendgrid', { retryAfterMs: 5_000 }), { spareMs: 1_000, hasNext: true }), { action: 'next' });
  });
});

describe('retry: one provider', () => {
  function run(unknownResendsLeft = 1): DeliveryRun {
    return { attempts: 0, failures: [], unknownResendsLeft, possiblySent: false, provider: 'none' };
  }
  function options(clock = virtualClock(), events: string[] = []) {
    return {
      maxAttempts: 3,
      attemptTimeoutMs: 10_000,
      minAttemptMs: 500,
      maxRetryWaitMs: 10_000,
      backoff,
      breakers: createCircuitBreakers({ threshold: 10, cooldownMs: 30_000, now: clock.now }),
      clock,
      logger: silentLogger,
      onRetry: (p: string) => events.push(`retry ${p}`),
      onUnknownOutcome: (p: string) => events.push(`unknown ${p}`),
    };
  }
  const ctx = (clock: { now(): number }) => ({ idempotencyKey: 'key', deadline: clock.now() + 30_000 });

  it('spends the invocation’s unknown-outcome budget and marks the message as possibly sent', async () => {
    const clock = virtualClock();
    const twilio = scriptedProvider('twilio', 'sms', [unknown('twilio')], clock);
    const state = run(1);
    const events: string[] = [];
    const delivered = await sendWithRetries(twilio, smsMessage(), ctx(clock), state, false, options(clock, events));
    assert.equal(delivered, undefined);
    assert.equal(twilio.calls.length, 2);
    assert.equal(state.unknownResendsLeft, 0);
    assert.equal(state.possiblySent, true);
    assert.deepEqual(events, ['unknown twilio', 'retry twilio', 'unknown twilio']);
  });

  it('throws the deadline error, naming the last failure, when no attempt fits any more', async () => {
    const clock = virtualClock();
    const twilio = scriptedProvider('twilio', 'sms', [unavailable('twilio')], clock, 400);
    const state = run();
    await assert.rejects(
      sendWithRetries(twilio, smsMessage(), { idempotencyKey: 'key', deadline: clock.now() + 1_000 }, state, false, options(clock)),
      (error: RelayError) => error.code === 'DEADLINE' && /HTTP 503/.test(error.message),
    );
    assert.equal(state.attempts, 2);
  });

  it('fails at once, naming the header and the wait, when the last provider asks for a wait longer than the time left', async () => {
    const clock = virtualClock();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid', { status: 429, retryAfterMs: 60_000, retryAfterSource: 'X-RateLimit-Reset' })], clock);
    const started = clock.now();
    await assert.rejects(
      sendWithRetries(sendgrid, smsMessage() as never, { idempotencyKey: 'key', deadline: clock.now() + 5_000 }, run(), false, options(clock)),
      (error: RelayError) =>
        error.code === 'PROVIDER_WAIT_TOO_LONG' && /asked to wait 60\.0 s \(X-RateLimit-Reset\)/.test(error.message) && !/at least 500 ms/.test(error.message),
    );
    assert.equal(sendgrid.calls.length, 1);
    assert.ok(clock.now() - started < 1_000, 'it did not wait');
  });

  it('throws the recipient error so the chain stops', async () => {
    const clock = virtualClock();
    const twilio = scriptedProvider('twilio', 'sms', [rejected('twilio', 400, '21610 unsubscribed', undefined, { recipient: true })], clock);
    await assert.rejects(sendWithRetries(twilio, smsMessage(), ctx(clock), run(), true, options(clock)), /21610/);
  });
});
