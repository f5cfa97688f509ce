/**
 * Small helpers HTTP providers share on top of `http.ts`: re-classifying a `ProviderError` once
 * the provider's own error code is known, and reading a JSON error body without throwing.
 */
import { ProviderError, type ProviderFailureKind } from '../../errors.ts';

/**
 * A copy of `error` with a different kind, text or hint; status, wait and cause are kept.
 * Anything that is not a `ProviderError` is returned unchanged.
 *
 * @example
 * throw reclassify(error, { kind: 'permanent', hint: 'check MANDRILL_API_KEY' });
 */
export function reclassify(
  error: unknown,
  change: { kind?: ProviderFailureKind | undefined; providerMessage?: string | undefined; hint?: string | undefined },
): unknown {
  if (!(error instanceof ProviderError)) return error;
  return new ProviderError({
    provider: error.provider,
    kind: change.kind ?? error.kind,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    providerMessage: change.providerMessage ?? error.providerMessage,
    hint: change.hint,
    cause: error,
  });
}

/** `JSON.parse` that answers undefined instead of throwing (error pages are often HTML). */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
