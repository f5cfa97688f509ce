/**
 * At most one delivery per Cognito request, around a send: `claim` before, then `complete` when
 * a provider accepted or `release` when none did (so Lambda's retry can send).
 *
 * - No table, or the table unreachable / missing / forbidden: the send goes ahead unprotected and
 *   the error is logged loudly — a duplicate code is better than a lost one.
 * - A concurrent duplicate (IN_PROGRESS): wait briefly for it to finish; if it is still sending,
 *   fail with `DELIVERY_IN_PROGRESS` without sending, and Lambda retries later.
 * - Every call is bounded by the deadline (store.ts `storeSignal`); a `complete` that cannot fit
 *   is skipped and logged, because being killed after a provider accepted makes Lambda send again.
 */
import { RelayError } from '../errors.ts';
import type { RelayLogger } from '../observability/logger.ts';
import type { Delivered } from '../providers/types.ts';
import type { Clock } from './policy.ts';
import { storeSignal } from './deadline.ts';
import type { IdempotencyStore, RequestRecord } from './store.ts';

export type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'completed'; record: RequestRecord }
  | { kind: 'unprotected' };

export interface Idempotency {
  claim(key: string, deadline: number): Promise<Claim>;
  complete(claim: Claim, key: string, deadline: number, delivered: Delivered): Promise<void>;
  release(claim: Claim, key: string, deadline: number): Promise<void>;
}

/** An IN_PROGRESS claim outlives the invocation by this much, so a crashed one is taken over later. */
const LEASE_GRACE_MS = 10_000;
const IN_PROGRESS_POLL_MS = 250;

export interface IdempotencyOptions {
  store: IdempotencyStore | undefined;
  logger: RelayLogger;
  clock: Clock;
  /** How long a duplicate waits for an in-progress delivery to finish. */
  inProgressWaitMs: number;
  /** Time an attempt needs: no point waiting for a duplicate past `deadline` less this. */
  minAttemptMs: number;
}

const describe = (error: unknown) => `${(error as Error)?.name}: ${(error as Error)?.message}`;

export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const { store, logger, clock } = options;

  return {
    async claim(key, deadline) {
      if (!store) return { kind: 'unprotected' };
      const waitUntil = Math.min(clock.now() + options.inProgressWaitMs, deadline - options.minAttemptMs);
      for (;;) {
        let result;
        try {
          result = await store.claim(key, {
            leaseUntil: deadline + LEASE_GRACE_MS,
            now: clock.now(),
            signal: storeSignal(deadline, clock.now()),
          });
        } catch (error) {
          // Loud: a missing table or permission (ResourceNotFound, AccessDenied) lands here too.
          logger.error('idempotency table unavailable: sending without duplicate protection', { error: describe(error) });
          return { kind: 'unprotected' };
        }
        if (result.claimed) return { kind: 'claimed', token: result.token };
        if (result.record.status === 'COMPLETED') return { kind: 'completed', record: result.record };
        if (clock.now() + IN_PROGRESS_POLL_MS > waitUntil) {
          throw new RelayError(
            'DELIVERY_IN_PROGRESS',
            'another invocation is delivering this same Cognito request right now; not sending a second copy. ' +
              'Lambda retries this event later and will find the outcome',
          );
        }
        await clock.sleep(IN_PROGRESS_POLL_MS);
      }
    },

    async complete(claim, key, deadline, delivered) {
      if (!store || claim.kind !== 'claimed') return;
      try {
        await store.complete(key, claim.token, delivered, { now: clock.now(), signal: storeSignal(deadline, clock.now()) });
      } catch (error) {
        // The provider accepted: failing now would make Lambda send it again. Log and go on.
        logger.error('delivered, but could not record it; a duplicate event would be sent again', { error: describe(error) });
      }
    },

    async release(claim, key, deadline) {
      if (!store || claim.kind !== 'claimed') return;
      try {
        await store.release(key, claim.token, { signal: storeSignal(deadline, clock.now()) });
      } catch (error) {
        logger.error('could not release the idempotency record; a retry waits until its lease ends', { error: describe(error) });
      }
    },
  };
}
