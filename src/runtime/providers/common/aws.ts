/**
 * What the AWS providers (SES, SNS, End User Messaging SMS) share: one client configuration
 * (region, endpoint override, no SDK retries) and one mapping from AWS SDK v3 errors to
 * `ProviderError`. Imports no SDK code itself, so it costs nothing to the HTTP providers.
 */
import { ProviderError } from '../../errors.ts';
import { requestWasSent } from '../http.ts';

export interface AwsClientSettings {
  region: string | undefined;
  /** `<PROVIDER>_BASE_URL`; without it the SDK also honours `AWS_ENDPOINT_URL_<SERVICE>`. */
  endpoint?: string | undefined;
}

/**
 * Client options for every AWS provider. `maxAttempts: 1`: delivery already retries and fails
 * over within the invocation's deadline, and SDK retries on top would multiply the attempts.
 *
 * @example new SESv2Client(awsClientConfig({ region: 'eu-west-1' }))
 */
export function awsClientConfig(settings: AwsClientSettings): { region?: string; endpoint?: string; maxAttempts: number } {
  return {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 1,
  };
}

/** Error names (across SES, SNS, End User Messaging) that mean "slow down", never "wrong". */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'KMSThrottlingException',
  'ProvisionedThroughputExceededException',
]);

/** Transient on the AWS side even when not sent as 5xx. */
const TRANSIENT = new Set([
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'RequestAbortedError',
]);

/** Names that mean the function itself may not send: no retry or other region will fix it. */
const AUTH = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredTokenException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
]);

export interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
  Reason?: string;
}

export interface AwsErrorOptions {
  /** Advice by error name. */
  hints?: Record<string, string>;
  /** Advice for permission / credential errors (which IAM action the role needs). */
  permissionHint?: string;
  /** Error names of this service that another try (or provider) may get past, e.g. quotas. */
  retryable?: string[];
  /** Whether the error is about the recipient (invalid number, opted out), read off the SDK's error. */
  aboutRecipient?: (error: AwsErrorShape) => boolean;
}

/**
 * Maps an error thrown by an AWS SDK v3 `send()` to a `ProviderError`, once:
 * throttling and 5xx are retryable; no HTTP answer at all is `retryable` when the request never
 * left (connection refused, DNS, TLS) and `unknown` when it may have (timeout, reset, abort);
 * everything else (validation, rejected message, unverified identity, missing permission) is
 * permanent, with a hint from `hints` (by error name) or a generic one for permissions.
 *
 * @example
 * catch (error) { throw awsProviderError('ses', error, { hints: { MessageRejected: 'verify the recipient while in the SES sandbox' } }); }
 */
export function awsProviderError(provider: string, error: unknown, options: AwsErrorOptions = {}): ProviderError {
  const hints = options.hints ?? {};
  const e = (error ?? {}) as AwsErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const networkCode = e.code ?? (e as { cause?: { code?: string } }).cause?.code;
  // No HTTP answer: connection refused/reset, DNS, timeout, abort.
  const noAnswer = status === undefined && !AUTH.has(name) && e.$fault === undefined && !THROTTLING.has(name);
  const retryable =
    THROTTLING.has(name) ||
    (TRANSIENT.has(name) && !noAnswer) ||
    (options.retryable?.includes(name) ?? false) ||
    e.$retryable !== undefined ||
    (status !== undefined && (status >= 500 || status === 429 || status === 408));
  const kind = noAnswer ? (requestWasSent(error) ? 'unknown' : 'retryable') : retryable ? 'retryable' : 'permanent';
  const retryAfterHeader = e.$response?.headers?.['retry-after'];
  const retryAfterSeconds = retryAfterHeader === undefined ? NaN : Number(retryAfterHeader);
  const detail = [e.message, e.Reason ? `(${e.Reason})` : ''].filter(Boolean).join(' ');
  const providerMessage = status === undefined && networkCode ? `${name} ${networkCode}: ${detail}` : `${name}: ${detail || '(no message)'}`;
  return new ProviderError({
    provider,
    kind,
    status,
    retryAfterMs: kind === 'retryable' && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : undefined,
    retryAfterSource: 'Retry-After',
    providerMessage,
    providerCode: name === 'Error' ? undefined : name,
    hint: hints[name] ?? (AUTH.has(name) ? (options.permissionHint ?? 'the function role lacks the permission, or its credentials are invalid') : undefined),
    recipient: kind === 'permanent' && (options.aboutRecipient?.(e) ?? false),
    cause: error,
  });
}
