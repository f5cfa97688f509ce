/**
 * Which permanent provider errors stop the failover chain.
 *
 * The rule: a permanent error fails over to the next provider unless the provider marked it as
 * being about the *recipient* (`ProviderError.recipient`: invalid address or number, hard
 * bounce, opted out — e.g. Twilio 21211 / 21610 / 21614, an SMTP server refusing `RCPT TO`).
 * Another provider would send to the same address or number, and an opt-out (STOP) must not be
 * worked around. Everything else that is permanent is about *this provider* — its key (401),
 * its sender (403 unverified), its template, its account, its base URL (404) — and the next
 * provider can still deliver. When in doubt we fail over: a second rejection costs one request,
 * a lost code costs a user.
 *
 * Providers own the recipient decision because only they know their codes: each provider's file
 * sets `recipient` on the ProviderError it builds from the answer it read.
 */
import { ProviderError } from '../errors.ts';

export function isRecipientError(error: ProviderError): boolean {
  return error.kind === 'permanent' && error.recipient === true;
}

/** Anything a provider throws that is not a ProviderError is a bug in it: treat it as its own failure. */
export function asProviderError(provider: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  return new ProviderError({
    provider,
    kind: 'permanent',
    providerMessage: `unexpected error in the ${provider} provider: ${(error as Error)?.message ?? String(error)}`,
    cause: error,
  });
}
