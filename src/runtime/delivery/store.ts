/**
 * The state delivery keeps between invocations, when `IDEMPOTENCY_TABLE` is set: one record per
 * Cognito request (so a retried or duplicated event is delivered at most once), one counter
 * per phone number and hour (SMS anti-pumping), and the secret salt those counters are keyed with. The DynamoDB implementation is in
 * dynamodb-store.ts and is imported only when a table is configured.
 */
import type { Delivered } from '../providers/types.ts';

export type RequestStatus = 'IN_PROGRESS' | 'COMPLETED';

export interface RequestRecord {
  status: RequestStatus;
  /** COMPLETED: who accepted the message, and its id. */
  provider?: string | undefined;
  messageId?: string | undefined;
  /** IN_PROGRESS: epoch ms after which the claim is abandoned (the claimer died). */
  leaseUntil?: number | undefined;
}

export type ClaimResult = { claimed: true; token: string } | { claimed: false; record: RequestRecord };

export interface IdempotencyStore {
  /**
   * Records IN_PROGRESS for `key` with a conditional write. Succeeds when there is no record,
   * the record expired, or an IN_PROGRESS lease ran out; otherwise returns the record found.
   */
  claim(key: string, options: { leaseUntil: number; now: number; signal?: AbortSignal }): Promise<ClaimResult>;
  /** Marks the request COMPLETED with the provider's answer (kept ≥ 30 h). Only the claim holder may. */
  complete(key: string, token: string, delivered: Delivered, options: { now: number; signal?: AbortSignal }): Promise<void>;
  /** Deletes our IN_PROGRESS record after a failed send, so Lambda's retry can try again. */
  release(key: string, token: string, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Counts one SMS to `numberKey` in the clock hour of `now`, atomically, unless `max` is already
   * reached. `numberKey` is a keyed hash (sms-guard.ts), never the number.
   */
  countSms(numberKey: string, max: number, options: { now: number; signal?: AbortSignal }): Promise<{ allowed: boolean }>;
  /**
   * Takes back one SMS counted by `countSms` with the same `now` (so the same hour), because no
   * provider accepted it. Never goes below zero.
   */
  uncountSms(numberKey: string, options: { now: number; signal?: AbortSignal }): Promise<void>;
  /**
   * The secret that keys the SMS counters, created once per table: 32 random bytes written with a
   * conditional put (the first writer wins, every instance then reads the same value).
   */
  counterSalt(options: { signal?: AbortSignal }): Promise<Uint8Array>;
  close(): void;
}

/**
 * How long a COMPLETED record is kept: the longest a code stays valid (24 h, sign-up) plus the
 * longest Lambda keeps retrying an async event (6 h), so no late duplicate can slip through.
 */
export const COMPLETED_TTL_SECONDS = 30 * 3600;

