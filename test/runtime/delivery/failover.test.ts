/** Failover with the circuit breaker on its own: scripted providers, a virtual clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreakers } from '../../../src/runtime/delivery/circuit-breaker.ts';
import { sendThroughChain, type FailoverOptions } from '../../../src/runtime/delivery/failover.ts';
import type { DeliveryRun } from '../../../src/runtime/delivery/retry.ts';
import type { RelayError } from '../../../src/runtime/errors.ts';
import { emailMessage, rejected, scriptedProvider, silentLogger, unavailable, virtualClock } from './support/fakes.ts';

function setup(threshold = 1) {
  const clock = virtualClock();
  const breakers = createCircuitBreakers({ threshold, cooldownMs: 1_000, now: clock.now });
  const failedOver: string[] = [];
  const options: FailoverOptions = {
    maxAttempts: 1,
    attemptTimeoutMs: 10_000,
    minAttemptMs: 500,
    maxRetryWaitMs: 10_000,
    backoff: { baseMs: 200, maxMs: 2_000, random: () => 0 },
    breakers,
    clock,
    logger: silentLogger,
    prepare: (_provider, message) => message,
    onRetry() {},
    onUnknownOutcome() {},
    onFailover: (from) => failedOver.push(from),
  };
  const run = (): DeliveryRun => ({ attempts: 0, failures: [], unknownResendsLeft: 1, possiblySent: false, provider: 'none' });
  const ctx = () => ({ idempotencyKey: 'key', deadline: clock.now() + 30_000 });
  return { clock, breakers, options, run, ctx, failedOver };
}

describe('failover', () => {
  it('hands over to the next provider and says which one gave up', async () => {
    const { options, run, ctx, failedOver } = setup();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp', messageId: '<1@x>' }]);
    const state = run();
    const delivered = await sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), state, options);
    assert.equal(delivered.provider, 'smtp');
    assert.deepEqual(failedOver, ['sendgrid']);
    assert.equal(state.attempts, 2);
  });

  it('reports every provider’s last failure when none accepts', async () => {
    const { options, run, ctx } = setup();
    const sendgrid = scriptedProvider('sendgrid', 'email', [unavailable('sendgrid')]);
    const smtp = scriptedProvider('smtp', 'email', [rejected('smtp', 535, 'Authentication failed')]);
    await assert.rejects(sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), run(), options), (error: RelayError) => {
      assert.equal(error.code, 'DELIVERY_FAILED');
      assert.match(error.message, /sendgrid failed \(HTTP 503\).*smtp rejected the message \(HTTP 535\)/);
      return true;
    });
  });

  it('skips an open provider, and tries every provider anyway when all are open', async () => {
    const { options, run, ctx, breakers } = setup();
    breakers.failure('sendgrid');
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }]);
    assert.equal((await sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), run(), options)).provider, 'smtp');
    assert.equal(sendgrid.calls.length, 0);
    breakers.failure('smtp');
    assert.equal((await sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), run(), options)).provider, 'sendgrid');
  });

  it('gives a half-open provider one trial: concurrent invocations go to the next one meanwhile', async () => {
    const { options, run, ctx, breakers, clock } = setup();
    breakers.failure('sendgrid');
    clock.advance(1_000);
    let answer: () => void = () => {};
    const slowTrial = () => new Promise<{ provider: string }>((resolve) => (answer = () => resolve({ provider: 'sendgrid' })));
    const sendgrid = scriptedProvider('sendgrid', 'email', [slowTrial]);
    const smtp = scriptedProvider('smtp', 'email', [{ provider: 'smtp' }]);
    const first = sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), run(), options);
    const others = await Promise.all([1, 2].map(() => sendThroughChain([sendgrid, smtp] as never, emailMessage(), ctx(), run(), options)));
    answer();
    assert.equal((await first).provider, 'sendgrid');
    assert.deepEqual(others.map((d) => d.provider), ['smtp', 'smtp']);
    assert.equal(sendgrid.calls.length, 1);
    assert.equal(breakers.state('sendgrid'), 'closed', 'the trial succeeded');
  });

  it('still sends when the only provider’s trial is taken by another invocation, rather than drop the code', async () => {
    const { options, run, ctx, breakers, clock } = setup();
    breakers.failure('sendgrid');
    clock.advance(1_000);
    breakers.admit('sendgrid');
    const sendgrid = scriptedProvider('sendgrid', 'email', [{ provider: 'sendgrid' }]);
    assert.equal((await sendThroughChain([sendgrid] as never, emailMessage(), ctx(), run(), options)).provider, 'sendgrid');
  });
});
