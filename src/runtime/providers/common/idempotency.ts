/**
 * Provider idempotency keys derived from the relay's per-request key, so every retry of the
 * same Cognito request (ours or Lambda's) carries the same value.
 */
import { createHash } from 'node:crypto';

/**
 * A UUID (version-4 layout) derived from `key`, for providers that insist on a UUID (Brevo).
 *
 * @example uuidFromKey('3f2a…') // → 'b1946ac9-2f3e-4a5b-9c1d-…' (always the same for the same key)
 */
export function uuidFromKey(key: string): string {
  const bytes = createHash('sha256').update(key).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
