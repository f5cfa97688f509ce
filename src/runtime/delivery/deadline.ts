/**
 * The invocation's deadline (the Lambda deadline less the relay's margin): the error when work
 * cannot finish before it, and the bound on every idempotency-table call.
 */
import { RelayError, type ProviderError } from '../errors.ts';

/** Longest one idempotency-table call may take. */
const STORE_TIMEOUT_MS = 2_000;

/**
 * The signal for one store call: it ends after `STORE_TIMEOUT_MS`, and never after `deadline`
 * (the invocation's deadline less its margin), so a slow table cannot keep the function running
 * until Lambda kills it — above all after a provider accepted the message, when being killed
 * makes Lambda send it again.
 */
export function storeSignal(deadline: number, now: number): AbortSignal {
  const left = deadline - now;
  if (left <= 0) return AbortSignal.abort(new Error('no time left before the deadline'));
  return AbortSignal.timeout(Math.min(STORE_TIMEOUT_MS, left));
}

/** The invocation cannot finish before its deadline; says how far it got. */
export function deadlineError(remainingMs: number, minAttemptMs: number, failures: ProviderError[]): RelayError {
  const last = failures.at(-1);
  const tried = last ? `; last failure: ${last.message}` : '; nothing was sent';
  return new RelayError(
    'DEADLINE',
    `stopped before the function times out: ${Math.max(0, remainingMs)} ms left, an attempt needs at least ${minAttemptMs} ms${tried}. ` +
      'Lambda retries the event; raise the function timeout if this repeats',
    { cause: last },
  );
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** Log fields for a provider's wait (which header asked for it, how long, how much time is left). */
export function waitFields(error: ProviderError, remainingMs: number): Record<string, unknown> {
  return { provider: error.provider, waitMs: error.retryAfterMs, waitFrom: error.retryAfterSource ?? 'Retry-After', remainingMs: Math.max(0, remainingMs) };
}

/**
 * The last provider asked for a wait longer than the invocation has left: say so, naming the
 * header and the wait, instead of waiting into a timeout. Lambda's retry comes later, when the
 * wait may be over.
 */
export function waitTooLongError(error: ProviderError, remainingMs: number): RelayError {
  const source = error.retryAfterSource ?? 'Retry-After';
  return new RelayError(
    'PROVIDER_WAIT_TOO_LONG',
    `${error.provider} asked to wait ${seconds(error.retryAfterMs ?? 0)} (${source}) and only ${seconds(remainingMs)} is left before the function times out: ` +
      `not waiting. Lambda retries the event later; add another provider to fail over to at once. Last answer: ${error.message}`,
    { cause: error },
  );
}
