/**
 * Which permanent provider errors are about the *recipient* (stop: no other provider can do
 * better, and an opt-out must be respected) and which are about *this provider* — its key, its
 * sender, its template, its account — where the next provider in the chain can still deliver.
 *
 * The rule: a permanent error fails over unless it is known to be about the recipient. When in
 * doubt we fail over: a second rejection costs one request, a lost code costs a user.
 *
 * Known recipient errors:
 * - Twilio 21211 / 21217 / 21401 / 21421 (invalid number), 21407 / 21614 (cannot receive SMS),
 *   21612 (unreachable from this route), 21610 (the user replied STOP: must not be worked around).
 * - SMTP: the server refused the recipient at `RCPT TO` with an addressing or mailbox status
 *   (enhanced codes 5.1.x / 5.2.x, or "user unknown"-style text). A refusal for policy reasons
 *   (5.7.x, relaying denied) is the server's configuration and fails over.
 * - HTTP APIs: a 400/422 whose error names the recipient field (SendGrid
 *   `personalizations.0.to.0.email`, a `to` field, "invalid recipient/email address/phone number").
 * Everything else that is permanent — 401/403 (bad key, unverified sender), 404 (wrong base URL
 * or template), other 4xx — fails over.
 */
import { ProviderError } from '../errors.ts';

const TWILIO_RECIPIENT_CODES = new Set([21211, 21217, 21401, 21407, 21421, 21610, 21612, 21614]);

const SMTP_RECIPIENT_TEXT = /user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|not found|disabled)|does not exist|invalid recipient|recipient address rejected: (user|unknown)/i;

const HTTP_RECIPIENT_FIELD = /personalizations\.\d+\.to\b|(^|[\s"'(])to(\[\d+\])?(\.email)?:|invalid (recipient|to address|email address|phone number|destination)|recipient (address )?(is )?invalid|not a valid (phone number|email)/i;

interface SmtpCause {
  command?: string;
  response?: string;
  message?: string;
  responseCode?: number;
}

export function isRecipientError(error: ProviderError): boolean {
  if (error.kind !== 'permanent') return false;
  if (error.provider === 'twilio' || /^\d{5}\b/.test(error.providerMessage)) {
    const code = Number(error.providerMessage.split(' ')[0]);
    if (TWILIO_RECIPIENT_CODES.has(code)) return true;
  }
  if (error.provider === 'smtp') return isSmtpRecipientError(error);
  if (error.status === 400 || error.status === 422) return HTTP_RECIPIENT_FIELD.test(error.providerMessage);
  return false;
}

function isSmtpRecipientError(error: ProviderError): boolean {
  const cause = (error.cause ?? {}) as SmtpCause;
  const text = `${cause.response ?? ''} ${error.providerMessage} ${cause.message ?? ''}`;
  const atRecipient = cause.command === 'RCPT TO' || /^recipient rejected/i.test(cause.message ?? '');
  if (!atRecipient) return false;
  const enhanced = /\b5\.(\d)\.\d{1,3}\b/.exec(text);
  if (enhanced) return enhanced[1] === '1' || enhanced[1] === '2';
  return SMTP_RECIPIENT_TEXT.test(text);
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
