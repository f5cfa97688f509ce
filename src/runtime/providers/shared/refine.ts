/**
 * Small helpers HTTP providers share on top of `http.ts`: re-classifying a `ProviderError` once
 * the provider's own error code is known, and reading a JSON error body without throwing.
 */
import { ProviderError, type ProviderFailureKind } from '../../errors.ts';

/**
 * A copy of `error` with a different kind, text, hint or wait; the status is kept and `error`
 * becomes the cause.
 * Anything that is not a `ProviderError` is returned unchanged.
 *
 * @example
 * throw reclassify(error, { kind: 'permanent', hint: 'check MANDRILL_API_KEY' });
 */
export function reclassify(
  error: unknown,
  change: {
    kind?: ProviderFailureKind | undefined;
    providerMessage?: string | undefined;
    hint?: string | undefined;
    retryAfterMs?: number | undefined;
    recipient?: boolean | undefined;
  },
): unknown {
  if (!(error instanceof ProviderError)) return error;
  return new ProviderError({
    provider: error.provider,
    kind: change.kind ?? error.kind,
    status: error.status,
    retryAfterMs: change.retryAfterMs ?? error.retryAfterMs,
    providerMessage: change.providerMessage ?? error.providerMessage,
    hint: change.hint ?? previousHint(error),
    recipient: change.recipient ?? error.recipient,
    cause: error,
  });
}

/** The hint the error was built with (its message ends with ` — <hint>` after the provider text). */
function previousHint(error: ProviderError): string | undefined {
  const at = error.message.lastIndexOf(error.providerMessage);
  const rest = at < 0 ? '' : error.message.slice(at + error.providerMessage.length);
  return rest.startsWith(' — ') ? rest.slice(3) : undefined;
}

/** `JSON.parse` that answers undefined instead of throwing (error pages are often HTML). */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Marks a permanent error as being about the recipient (invalid address or number, hard
 * bounce, opted out), not about this provider: no other provider can do better, and an opt-out
 * must not be worked around by failing over. Delivery reads it as `error.recipient === true`.
 *
 * @example throw aboutRecipient(new ProviderError({ provider: 'vonage', kind: 'permanent', providerMessage: 'status 7: Number barred' }));
 */
export function aboutRecipient<E>(error: E): E {
  if (error instanceof ProviderError && error.kind === 'permanent' && !error.recipient) {
    return new ProviderError({
      provider: error.provider,
      kind: 'permanent',
      status: error.status,
      providerMessage: error.providerMessage,
      hint: previousHint(error),
      recipient: true,
      cause: error,
    }) as E;
  }
  return error;
}

/** Whether a provider marked the error as being about the recipient. */
export function isAboutRecipient(error: unknown): boolean {
  return error instanceof ProviderError && error.recipient;
}
