/**
 * Retry with backoff, for one provider: `sendWithRetries` calls it until it accepts, until trying
 * it again cannot help (then the next provider takes over), or until the deadline.
 *
 * - Retryable failures (network before the request was written, 408/425/429/5xx, provider codes
 *   such as Twilio 20429) are retried up to `MAX_ATTEMPTS`, with exponential backoff and "full
 *   jitter" (a random wait between 0 and base·2^(n-1), capped): the many instances that failed at
 *   once don't all come back at the same moment. A wait the provider asked for (Retry-After,
 *   rate-limit reset) is honoured as a minimum.
 * - Unknown outcomes (the request was written, no answer came): the provider may have accepted
 *   it, so a resend may be a second paid message. A provider that dedupes on the idempotency key
 *   (`Provider.idempotent`) is retried like a retryable failure, with the same key. Any other
 *   hands over to the next provider at once when there is one (failover.ts); the last one is sent
 *   again at most `UNKNOWN_OUTCOME_RESENDS` times per invocation (all providers together).
 * - Permanent failures are not retried; one about the recipient stops the whole chain.
 * - No attempt starts, and no wait begins, unless it can end before the deadline.
 */
import { ProviderError } from '../errors.ts';
import type { RelayLogger } from '../observability/logger.ts';
import type { Delivered, Message, Provider } from '../providers/types.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import { asProviderError, isRecipientError } from './classify.ts';
import { deadlineError, waitFields, waitTooLongError } from './deadline.ts';
import type { Clock } from './policy.ts';

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

/** What one invocation has done so far, across every provider of the chain. */
export interface DeliveryRun {
  /** Provider calls made. */
  attempts: number;
  failures: ProviderError[];
  /** Resends still allowed after unknown outcomes at providers without idempotency keys. */
  unknownResendsLeft: number;
  /** Some attempt had an unknown outcome: a provider may have accepted the message. */
  possiblySent: boolean;
  /** The last provider called, for metrics. */
  provider: string;
}

export type AfterFailure =
  | { action: 'retry'; delayMs: number; usesUnknownResend: boolean }
  /** This provider's turn is over; the next one (if any) may take over. */
  | { action: 'next' }
  /**
   * `wait`: the provider asked for a wait (Retry-After, a rate-limit reset) that does not fit in
   * the time left, and no other provider can take over.
   */
  | { action: 'stop'; reason: 'recipient' | 'deadline' | 'wait' };

/** The decision after a failed attempt, from facts only (no clock, no I/O). */
export function afterFailure(input: {
  error: ProviderError;
  /** The attempt that just failed, from 1. */
  attempt: number;
  maxAttempts: number;
  idempotent: boolean;
  unknownResendsLeft: number;
  breakerOpen: boolean;
  hasNext: boolean;
  /** Time left for waiting, once an attempt's minimum is kept back. */
  spareMs: number;
  maxRetryWaitMs: number;
  backoff: BackoffPolicy;
}): AfterFailure {
  const { error } = input;
  if (error.kind === 'permanent') return isRecipientError(error) ? { action: 'stop', reason: 'recipient' } : { action: 'next' };
  const usesUnknownResend = error.kind === 'unknown' && !input.idempotent;
  // Another provider is a better bet than the one that just went silent, and not a blind resend.
  if (usesUnknownResend && (input.hasNext || input.unknownResendsLeft <= 0)) return { action: 'next' };
  if (input.attempt >= input.maxAttempts) return { action: 'next' };
  if (input.hasNext && input.breakerOpen) return { action: 'next' };
  if (input.hasNext && error.retryAfterMs !== undefined && error.retryAfterMs > input.maxRetryWaitMs) return { action: 'next' };
  // A jittered wait is arbitrary and may shrink to fit; a wait the provider asked for may not.
  const delayMs =
    error.retryAfterMs === undefined
      ? Math.min(retryDelay(input.attempt, undefined, input.backoff), input.spareMs)
      : retryDelay(input.attempt, error.retryAfterMs, input.backoff);
  if (delayMs > input.spareMs || input.spareMs < 0) {
    if (input.hasNext) return { action: 'next' };
    return { action: 'stop', reason: error.retryAfterMs !== undefined && error.retryAfterMs > input.spareMs ? 'wait' : 'deadline' };
  }
  return { action: 'retry', delayMs, usesUnknownResend };
}

export interface RetryOptions {
  maxAttempts: number;
  attemptTimeoutMs: number;
  /** No attempt starts with less than this left before the deadline. */
  minAttemptMs: number;
  /** A Retry-After longer than this hands over to the next provider instead of waiting. */
  maxRetryWaitMs: number;
  backoff: BackoffPolicy;
  breakers: CircuitBreakers;
  clock: Clock;
  logger: RelayLogger;
  /** One more attempt at the same provider is about to wait `delayMs`. */
  onRetry(provider: string): void;
  /** An attempt's outcome is unknown. */
  onUnknownOutcome(provider: string): void;
}

/**
 * Sends through one provider with retries. Resolves with the provider's answer, or undefined
 * when its turn is over (failures are in `run.failures`). Throws the recipient error, or a
 * `DEADLINE` error, when the whole chain must stop.
 */
export async function sendWithRetries<M extends Message>(
  provider: Provider<M>,
  message: M,
  ctx: { idempotencyKey: string; deadline: number },
  run: DeliveryRun,
  hasNext: boolean,
  options: RetryOptions,
): Promise<Delivered | undefined> {
  const { clock, breakers, logger } = options;
  for (let attempt = 1; ; attempt += 1) {
    const remaining = ctx.deadline - clock.now();
    if (remaining < options.minAttemptMs) throw deadlineError(remaining, options.minAttemptMs, run.failures);
    run.attempts += 1;
    run.provider = provider.name;
    try {
      const delivered = await provider.send(message, {
        signal: AbortSignal.timeout(Math.min(options.attemptTimeoutMs, remaining)),
        idempotencyKey: ctx.idempotencyKey,
      });
      breakers.success(provider.name);
      return delivered;
    } catch (raw) {
      const error = asProviderError(provider.name, raw);
      run.failures.push(error);
      logger.warn('provider attempt failed', {
        provider: provider.name,
        attempt,
        kind: error.kind,
        status: error.status,
        // ProviderError masks any address or number the provider quoted.
        error: error.message,
      });
      if (error.kind === 'unknown') {
        run.possiblySent = true;
        options.onUnknownOutcome(provider.name);
      }
      if (error.kind !== 'permanent' && breakers.failure(provider.name)) {
        logger.warn('circuit breaker opened', { provider: provider.name });
      }
      const decision = afterFailure({
        error,
        attempt,
        maxAttempts: options.maxAttempts,
        idempotent: provider.idempotent === true,
        unknownResendsLeft: run.unknownResendsLeft,
        breakerOpen: breakers.state(provider.name) === 'open',
        hasNext,
        spareMs: ctx.deadline - clock.now() - options.minAttemptMs,
        maxRetryWaitMs: options.maxRetryWaitMs,
        backoff: options.backoff,
      });
      if (decision.action === 'next') {
        if (error.retryAfterMs !== undefined && hasNext) {
          logger.warn('handing over to the next provider: the wait asked for does not fit', waitFields(error, ctx.deadline - clock.now()));
        }
        return undefined;
      }
      if (decision.action === 'stop') {
        if (decision.reason === 'recipient') throw error;
        if (decision.reason === 'wait') throw waitTooLongError(error, ctx.deadline - clock.now());
        throw deadlineError(ctx.deadline - clock.now(), options.minAttemptMs, run.failures);
      }
      if (decision.usesUnknownResend) {
        run.unknownResendsLeft -= 1;
        logger.warn('resending after an unknown outcome: the provider takes no idempotency key, so this may be a second copy', {
          provider: provider.name,
          resendsLeft: run.unknownResendsLeft,
        });
      }
      options.onRetry(provider.name);
      await clock.sleep(decision.delayMs);
    }
  }
}
