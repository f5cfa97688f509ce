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
 */
import { createHash } from 'node:crypto';
import { RelayError } from '../errors.ts';
import { maskPhone } from '../observability/mask.ts';
import { callingCodeOf, isAllowedNumber, isE164 } from './calling-codes.ts';

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

/** The counter key: a hash, so the table never holds phone numbers. */
export function phoneNumberKey(to: string): string {
  return createHash('sha256').update(`sms-rate\n${to}`).digest('hex');
}
