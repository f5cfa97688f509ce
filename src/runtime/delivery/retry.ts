/**
 * How long to wait before retrying the same provider.
 *
 * Exponential backoff with "full jitter" (a random wait between 0 and base·2^(n-1), capped):
 * when a provider hiccups, the many instances that failed at once don't all come back at the
 * same moment. When the provider said how long to wait (Retry-After, rate-limit reset), we wait
 * at least that long.
 */

export interface BackoffPolicy {
  /** First retry waits up to this long. */
  baseMs: number;
  /** No jittered wait exceeds this. */
  maxMs: number;
  random: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 200, maxMs: 2_000 } as const;

/**
 * @param attempt the attempt that just failed, from 1
 * @example
 * retryDelay(1, undefined, { baseMs: 200, maxMs: 2000, random: Math.random }) // 0–200 ms
 * retryDelay(1, 1000, policy) // ≥ 1000 ms: the provider asked for it
 */
export function retryDelay(attempt: number, providerAskedMs: number | undefined, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(policy.random() * ceiling);
  return providerAskedMs === undefined ? jittered : Math.max(providerAskedMs, jittered);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
