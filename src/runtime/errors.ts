/**
 * Every error cognito-relay raises on purpose. Each has a stable `code` that logs, metrics and
 * tests can match on, and a message written for the person who has to fix it.
 *
 * Unknown errors are wrapped once, where they enter (the provider call, the KMS call), so the
 * message that reaches Lambda's async retry / dead-letter queue always says what failed.
 */
export class RelayError extends Error {
  override readonly name: string = 'RelayError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Environment / settings are wrong. Raised at cold start with every problem listed. */
export class ConfigError extends RelayError {
  override readonly name = 'ConfigError';
  readonly problems: string[];

  constructor(problems: string[]) {
    super('CONFIG_INVALID', `cognito-relay is misconfigured:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** The Cognito event is malformed. `field` is the dotted path of the first bad field. */
export class EventError extends RelayError {
  override readonly name = 'EventError';
  readonly field: string;

  constructor(field: string, message: string) {
    super('EVENT_INVALID', `invalid Cognito event: ${field}: ${message}`);
    this.field = field;
  }
}

/** The code could not be decrypted, or decrypted to something not bound to this pool. */
export class DecryptError extends RelayError {
  override readonly name = 'DecryptError';

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A template is missing or does not render. */
export class TemplateError extends RelayError {
  override readonly name = 'TemplateError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('TEMPLATE_ERROR', message, options);
  }
}

/** No recipient could be found for the message. */
export class RecipientError extends RelayError {
  override readonly name = 'RecipientError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RECIPIENT_MISSING', message, options);
  }
}

import { redactContacts } from './observability/mask.ts';

/**
 * `retryable`: nothing was delivered and trying again (or another provider) can help.
 * `permanent`: trying again cannot help (bad key, invalid recipient, unverified sender).
 * `unknown`: the request was written but no answer came (timeout, connection reset after the
 * write): the provider may have accepted it, so a blind retry may duplicate the message.
 */
export type ProviderFailureKind = 'retryable' | 'permanent' | 'unknown';

/**
 * A provider refused or failed a send. `kind` drives delivery: `retryable` may be retried or
 * failed over; `permanent` (bad key, invalid recipient, unverified sender) never is.
 */
export class ProviderError extends RelayError {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly kind: ProviderFailureKind;
  readonly status: number | undefined;
  /** How long the provider asked us to wait (Retry-After, rate-limit reset), when it said. */
  readonly retryAfterMs: number | undefined;
  /**
   * Where `retryAfterMs` came from, for messages: the header's name as the provider documents it
   * (`Retry-After`, `X-RateLimit-Reset`, `ratelimit-reset`, `x-sib-ratelimit-reset`), or
   * `body` when the provider states the wait in words (Mailgun's 429). Set with `retryAfterMs`.
   */
  readonly retryAfterSource: string | undefined;
  /** The provider's own error text, capped so a huge HTML error page never floods the logs. */
  readonly providerMessage: string;
  /**
   * A permanent error about the recipient (invalid address or number, hard bounce, opted out),
   * not about this provider: another provider cannot do better, and an opt-out must not be
   * worked around by failing over.
   */
  readonly recipient: boolean;
  /** The provider's own error code (Twilio `21211`, Postmark `ErrorCode`, SES error name…), when it gave one. */
  readonly providerCode: string | undefined;
  /** What to fix, naming the setting (e.g. "check SENDGRID_API_KEY"), when known. */
  readonly hint: string | undefined;

  constructor(init: {
    provider: string;
    kind: ProviderFailureKind;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    retryAfterSource?: string | undefined;
    providerMessage: string;
    hint?: string | undefined;
    recipient?: boolean | undefined;
    providerCode?: string | undefined;
    cause?: unknown;
  }) {
    // Provider texts may quote the recipient: mask it before it can reach a log. The text is cut
    // first, so masking never scans more than PROVIDER_TEXT_LIMIT characters of a hostile body.
    const excerpt = capExcerpt(redactContacts(init.providerMessage.slice(0, PROVIDER_TEXT_LIMIT)));
    const status = init.status === undefined ? '' : ` (HTTP ${init.status})`;
    const hint = init.hint ? ` — ${init.hint}` : '';
    super(
      PROVIDER_ERROR_CODES[init.kind],
      `${init.provider} ${PROVIDER_ERROR_VERBS[init.kind]}${status}: ${excerpt}${hint}`,
      { cause: init.cause },
    );
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.retryAfterSource = init.retryAfterMs === undefined ? undefined : init.retryAfterSource;
    this.providerMessage = excerpt;
    this.recipient = init.kind === 'permanent' && init.recipient === true;
    this.providerCode = init.providerCode;
    this.hint = init.hint || undefined;
  }
}

const PROVIDER_ERROR_CODES: Record<ProviderFailureKind, string> = {
  retryable: 'PROVIDER_RETRYABLE',
  permanent: 'PROVIDER_PERMANENT',
  unknown: 'PROVIDER_OUTCOME_UNKNOWN',
};
const PROVIDER_ERROR_VERBS: Record<ProviderFailureKind, string> = {
  retryable: 'failed',
  permanent: 'rejected the message',
  unknown: 'gave no answer; the message may have been sent',
};

const EXCERPT_LIMIT = 500;

/**
 * The most of a provider's error text anything reads: HTTP error bodies are cut to this as they
 * arrive (providers/http.ts), and ProviderError cuts again before masking contacts.
 */
export const PROVIDER_TEXT_LIMIT = 8 * 1024;

/** Caps provider text at 500 characters and folds whitespace. */
export function capExcerpt(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  return folded.length > EXCERPT_LIMIT ? `${folded.slice(0, EXCERPT_LIMIT)}…` : folded;
}
