/**
 * SMS anti-pumping ("SMS toll fraud"): bots trigger sign-ups or password resets to premium
 * numbers and the pool owner pays per message. Two optional limits, checked before any provider
 * is called; a blocked send fails loudly (`SMS_BLOCKED`, the reason in the message, metric
 * `rejected`) so alarms see it.
 *
 * - `SMS_ALLOWED_COUNTRIES`: only numbers under these calling codes (see calling-codes.ts).
 * - `SMS_MAX_PER_NUMBER_PER_HOUR`: a counter per number and clock hour in the idempotency table
 *   (atomic ADD with a condition). A fixed window: at most twice the limit can straddle an hour
 *   boundary, which is enough to make pumping unprofitable and needs one write per SMS.
 *   The counter is taken before the send (so concurrent sends cannot overshoot) and given back
 *   when no provider accepted the message: a failing provider never uses up a user's allowance.
 *   It is kept when a provider may have accepted it (an unknown outcome).
 *
 * Counter keys are HMAC-SHA256 of the number under a secret salt, not a plain hash: a plain hash
 * of a phone number is reversed by hashing every number of a country (10⁹–10¹⁰ guesses, minutes
 * on a GPU, and one precomputed table would serve every deployment). The salt is 32 random bytes
 * created once per table (conditional put; the first instance wins) and read at first use, so no
 * setting is needed. Who can read the whole table can read the salt too and still enumerate that
 * one table's numbers at a cost; counters expire after two hours.
 */
import { createHmac } from 'node:crypto';
import { RelayError } from '../errors.ts';
import type { RelayLogger } from '../observability/logger.ts';
import { maskPhone } from '../observability/mask.ts';
import { callingCodeOf, isAllowedNumber, isE164 } from './calling-codes.ts';
import type { Clock } from './policy.ts';
import { storeSignal } from './deadline.ts';
import type { IdempotencyStore } from './store.ts';

export type SmsBlockReason = 'not_e164' | 'country' | 'rate_limit';

export class SmsBlockedError extends RelayError {
  override readonly name = 'SmsBlockedError';
  readonly reason: SmsBlockReason;

  constructor(reason: SmsBlockReason, message: string) {
    super('SMS_BLOCKED', message);
    this.reason = reason;
  }
}

/** Throws `SmsBlockedError` when `to` is outside the allowed calling codes. */
export function checkCountry(to: string, allowed: string[] | undefined): void {
  if (!allowed) return;
  if (!isE164(to)) {
    throw new SmsBlockedError('not_e164', `SMS to ${maskPhone(to)} blocked: not an E.164 phone number (+ and digits), so its country cannot be checked against SMS_ALLOWED_COUNTRIES`);
  }
  if (!isAllowedNumber(to, allowed)) {
    const code = callingCodeOf(to.slice(1)) ?? '?';
    throw new SmsBlockedError(
      'country',
      `SMS to ${maskPhone(to)} blocked: country calling code +${code} is not in SMS_ALLOWED_COUNTRIES (${allowed.join(',')}); add it if you do send there`,
    );
  }
}

export function rateLimitError(to: string, max: number): SmsBlockedError {
  return new SmsBlockedError(
    'rate_limit',
    `SMS to ${maskPhone(to)} blocked: SMS_MAX_PER_NUMBER_PER_HOUR (${max}) already reached for this number this hour`,
  );
}

/** The counter key: keyed by the table's secret salt, so the table never holds an enumerable number. */
export function phoneNumberKey(to: string, salt: Uint8Array): string {
  return createHmac('sha256', salt).update(to).digest('hex');
}

/** One SMS counted against a number; `giveBack` when no provider accepted it. */
export interface SmsCount {
  giveBack(deadline: number): Promise<void>;
}

export interface SmsLimit {
  /**
   * Counts one SMS to `to`, or throws `SmsBlockedError` when the hourly limit is reached.
   * Undefined when nothing was counted (no limit, no table, or the table unreachable: then the
   * SMS goes out without the limit, and the error is logged).
   */
  take(to: string, deadline: number): Promise<SmsCount | undefined>;
}

export function createSmsLimit(options: {
  store: IdempotencyStore | undefined;
  max: number | undefined;
  logger: RelayLogger;
  clock: Clock;
}): SmsLimit {
  const { store, max, logger, clock } = options;
  let salt: Promise<Uint8Array> | undefined;
  const describe = (error: unknown) => `${(error as Error)?.name}: ${(error as Error)?.message}`;

  return {
    async take(to, deadline) {
      if (!store || max === undefined) return undefined;
      let key: string;
      const countedAt = clock.now();
      try {
        // Read once per instance; a failed read is tried again by the next invocation.
        const pending = (salt ??= store.counterSalt({ signal: storeSignal(deadline, clock.now()) }));
        const secret = await pending.catch((error: unknown) => {
          if (salt === pending) salt = undefined;
          throw error;
        });
        key = phoneNumberKey(to, secret);
        const counted = await store.countSms(key, max, { now: countedAt, signal: storeSignal(deadline, clock.now()) });
        if (!counted.allowed) throw rateLimitError(to, max);
      } catch (error) {
        if (error instanceof SmsBlockedError) throw error;
        logger.error('SMS counter unavailable: sending without the per-number limit', { error: describe(error) });
        return undefined;
      }
      return {
        async giveBack(giveBackDeadline) {
          try {
            await store.uncountSms(key, { now: countedAt, signal: storeSignal(giveBackDeadline, clock.now()) });
          } catch (error) {
            logger.error('could not give back the SMS counted for a send that failed; the number has one less this hour', {
              error: describe(error),
            });
          }
        },
      };
    },
  };
}
