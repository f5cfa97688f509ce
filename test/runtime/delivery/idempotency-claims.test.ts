/**
 * Claim / complete / release on their own, with an in-memory store (the DynamoDB store's rules
 * are exercised against dynalite in idempotency.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createIdempotency } from '../../../src/runtime/delivery/idempotency.ts';
import { systemClock } from '../../../src/runtime/delivery/policy.ts';
import type { IdempotencyStore } from '../../../src/runtime/delivery/store.ts';
import { captureLogger } from '../../support/harness.ts';
import { memoryStore, virtualClock } from './support/fakes.ts';

const KEY = 'b'.repeat(64);

function setup(store: IdempotencyStore | undefined, clock: { now(): number; sleep(ms: number): Promise<void> } = virtualClock()) {
  const logger = captureLogger();
  const idempotency = createIdempotency({ store, logger, clock, inProgressWaitMs: 3_000, minAttemptMs: 500 });
  return { idempotency, logger, clock };
}

describe('idempotency: claim, complete, release', () => {
  it('claims once; a second claim of a completed request gets the record, and a released one can be claimed again', async () => {
    const store = memoryStore();
    const { idempotency, clock } = setup(store);
    const deadline = clock.now() + 10_000;
    const claim = await idempotency.claim(KEY, deadline);
    assert.equal(claim.kind, 'claimed');
    await idempotency.release(claim, KEY, deadline);
    const again = await idempotency.claim(KEY, deadline);
    await idempotency.complete(again, KEY, deadline, { provider: 'sendgrid', messageId: 'm-1' });
    assert.deepEqual(await idempotency.claim(KEY, deadline), {
      kind: 'completed',
      record: { status: 'COMPLETED', provider: 'sendgrid', messageId: 'm-1', token: 't2' },
    });
  });

  it('goes ahead unprotected, loudly, without a store or when the store fails', async () => {
    assert.deepEqual(await setup(undefined).idempotency.claim(KEY, Date.now() + 10_000), { kind: 'unprotected' });
    const { idempotency, logger } = setup(memoryStore({ claim: async () => Promise.reject(new Error('AccessDeniedException')) }));
    assert.deepEqual(await idempotency.claim(KEY, Date.now() + 10_000), { kind: 'unprotected' });
    assert.match(logger.text(), /idempotency table unavailable.*AccessDeniedException/);
  });

  it('records the delivery within the deadline even when the table hangs, and says it could not', async () => {
    const { idempotency, logger } = setup(
      memoryStore({
        // A hung table: the call ends only when its signal aborts (the open socket keeps the process alive).
        complete: (_key, _token, _delivered, { signal }) =>
          new Promise((_resolve, reject) => {
            const socket = setTimeout(() => {}, 10_000);
            signal?.addEventListener('abort', () => (clearTimeout(socket), reject(signal.reason)), { once: true });
          }),
      }),
      systemClock,
    );
    const started = Date.now();
    await idempotency.complete({ kind: 'claimed', token: 't' }, KEY, started + 300, { provider: 'sendgrid' });
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1_000, `gave up after ${took} ms, at the 300 ms deadline`);
    assert.match(logger.text(), /delivered, but could not record it/);
  });
});
