/**
 * What every HTTP provider shares: `request()` sends and hands back the provider's answer (any
 * status) or throws the one `ProviderError` a failed attempt deserves; `httpFailure()` turns an
 * answer the provider refused into a `ProviderError` from fields its caller read out of it. Each
 * provider classifies its answers once, where it reads them: nothing re-reads an error's message.
 */
import { PROVIDER_TEXT_LIMIT, ProviderError, type ProviderFailureKind } from '../errors.ts';

/** The part of a response's headers the relay reads (fetch's `Headers` fits). */
export interface HeaderReader {
  get(name: string): string | null;
}

/** What `request()` passes to its HTTP client. */
export interface FetchLikeInit {
  method: string;
  headers: Record<string, string>;
  // No provider sends multipart: the default transport (transport.ts) encodes only these two.
  body: string | URLSearchParams;
  signal: AbortSignal;
  redirect: 'error';
}

export interface FetchLikeResponse {
  status: number;
  headers: HeaderReader;
  /** The body as text; the default transport reads at most `maxBytes` of it (fetch reads it all). */
  text(maxBytes?: number): Promise<string>;
}

/**
 * The call shape the providers need from an HTTP client: `globalThis.fetch` fits it, and so does
 * the default transport (`nodeTransport` in transport.ts). A client may mark the errors it throws
 * with `requestSent: boolean` (the default transport does); without it, only errors that happen
 * before any connection exists (refused, DNS, TLS) count as "not sent".
 */
export type FetchLike = (url: string, init: FetchLikeInit) => Promise<FetchLikeResponse>;

export interface HttpRequest {
  provider: string;
  url: string;
  method?: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string | URLSearchParams;
  signal: AbortSignal;
  fetch: FetchLike;
}

/** A provider's answer, whatever its status. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  headers: HeaderReader;
  /** The body, cut to SUCCESS_BODY_LIMIT (2xx) or PROVIDER_TEXT_LIMIT (anything else) as it was read. */
  text: string;
  /** The body as JSON, or undefined when it is not JSON (error pages are often HTML). */
  json<T>(): T | undefined;
}

/** Success bodies are read only for an id; anything past this is not read. */
export const SUCCESS_BODY_LIMIT = 64 * 1024;

/**
 * Sends one request. Resolves with the provider's answer for any status but a redirect; throws
 * `ProviderError` when no answer came: `retryable` when nothing reached the provider (connection
 * refused, DNS, TLS, aborted before a connection existed), `unknown` when the request was sent and
 * the answer never came (timeout, reset): the provider may have accepted it.
 */
export async function request(req: HttpRequest): Promise<HttpAnswer> {
  let response: FetchLikeResponse;
  try {
    response = await req.fetch(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      // A redirect would re-send the message (code included) somewhere we did not check, maybe
      // over plain http: providers' send endpoints never redirect, so treat one as an error.
      redirect: 'error',
    });
  } catch (error) {
    if (!req.signal.aborted && /redirect/i.test(networkReason(error))) throw redirectError(req, undefined, error);
    throw noAnswer(req, error);
  }
  // fetch with `redirect: 'error'` rejects (above); the default transport hands the 3xx back.
  if (response.status >= 300 && response.status < 400) throw redirectError(req, response.status);
  const ok = response.status >= 200 && response.status < 300;
  const limit = ok ? SUCCESS_BODY_LIMIT : PROVIDER_TEXT_LIMIT;
  let text: string;
  try {
    text = (await response.text(limit)).slice(0, limit);
  } catch (error) {
    // A 2xx whose body did not arrive whole is still an accepted message (without its id); an
    // error status without its body is still classified by the status.
    if (!ok && req.signal.aborted) throw noAnswer(req, error);
    text = '';
  }
  return {
    status: response.status,
    ok,
    headers: response.headers,
    text,
    json<T>() {
      return parseJson<T>(text);
    },
  };
}

/** Error codes that only happen before a connection exists: nothing was sent. */
const BEFORE_CONNECTION = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Whether the failed request may have reached the provider. */
export function requestWasSent(error: unknown): boolean {
  const marked = (error as { requestSent?: unknown } | undefined)?.requestSent;
  if (typeof marked === 'boolean') return marked;
  const code = networkCode(error);
  return !(code !== undefined && (BEFORE_CONNECTION.has(code) || code.startsWith('ERR_SSL_')));
}

function noAnswer(req: HttpRequest, error: unknown): ProviderError {
  const sent = requestWasSent(error);
  const aborted = req.signal.aborted;
  const why = aborted ? `no answer before the attempt ended (${String((req.signal.reason as Error | undefined)?.message ?? 'timeout')})` : `network error: ${networkReason(error)}`;
  return new ProviderError({
    provider: req.provider,
    kind: sent ? 'unknown' : 'retryable',
    providerMessage: sent ? `${why}, after the request was sent` : `${why}, before the request was sent`,
    cause: error,
  });
}

function redirectError(req: HttpRequest, status: number | undefined, cause?: unknown): ProviderError {
  return new ProviderError({
    provider: req.provider,
    kind: 'permanent',
    status,
    providerMessage: 'the endpoint answered with a redirect, which is never followed',
    hint: `check the ${req.provider} base URL setting (${req.provider.toUpperCase()}_BASE_URL / WEBHOOK_URL)`,
    cause,
  });
}

function networkCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return networkCode(error) ?? cause?.message ?? (error as Error).message ?? String(error);
}

/**
 * 408, 425, 429 and 5xx are worth another try; every other 4xx means the request itself is wrong
 * (bad key, bad recipient, unverified sender) and repeating it cannot help.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A rate-limit reset header a provider documents, and how it counts. */
export interface ResetHeader {
  /** As the provider's docs spell it, e.g. `X-RateLimit-Reset`. */
  name: string;
  /** `epoch`: Unix seconds (SendGrid); `seconds`: seconds from now (Resend, Brevo). */
  unit: 'epoch' | 'seconds';
}

export interface Wait {
  ms: number;
  /** The header (or `body`) the wait came from. */
  source: string;
}

/**
 * The wait a provider asked for: `Retry-After` (seconds or HTTP date, RFC 9110 §10.2.3) on any
 * answer worth retrying; the provider's rate-limit reset header only on a 429. Reset headers ride
 * on every answer (SendGrid, Resend, Brevo): on a 5xx they say when the quota window ends, not
 * that the provider wants us to wait.
 */
export function waitFor(answer: Pick<HttpAnswer, 'status' | 'headers'>, reset?: ResetHeader, now: number = Date.now()): Wait | undefined {
  if (!isRetryableStatus(answer.status)) return undefined;
  const retryAfter = answer.headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return { ms: Math.max(0, seconds * 1000), source: 'Retry-After' };
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return { ms: Math.max(0, date - now), source: 'Retry-After' };
  }
  if (answer.status !== 429 || !reset) return undefined;
  const value = Number(answer.headers.get(reset.name));
  if (!answer.headers.get(reset.name) || !Number.isFinite(value)) return undefined;
  return { ms: Math.max(0, reset.unit === 'epoch' ? value * 1000 - now : value * 1000), source: reset.name };
}

/** What a provider read out of an answer it refused; every field has a default from the status. */
export interface Refusal {
  kind?: ProviderFailureKind | undefined;
  /** The provider's own words; default: the common JSON error shapes, else the body. */
  providerMessage?: string | undefined;
  providerCode?: string | undefined;
  hint?: string | undefined;
  recipient?: boolean | undefined;
  /** The wait; default: `waitFor(answer, reset)`. */
  wait?: Wait | undefined;
}

export interface HttpProfile {
  provider: string;
  /** The rate-limit reset header the provider documents, read on 429s. */
  reset?: ResetHeader;
  /** Advice for a status (e.g. 401 → "check SENDGRID_API_KEY"). */
  hint?: (status: number) => string | undefined;
}

/**
 * The `ProviderError` for an answer the provider refused (or a 2xx that is a failure).
 *
 * @example throw httpFailure(answer, PROFILE, { providerCode: body.code, hint: HINTS[body.code] });
 */
export function httpFailure(answer: HttpAnswer, profile: HttpProfile, refusal: Refusal = {}): ProviderError {
  const kind = refusal.kind ?? (isRetryableStatus(answer.status) ? 'retryable' : 'permanent');
  const wait = kind === 'retryable' ? (refusal.wait ?? waitFor(answer, profile.reset)) : undefined;
  return new ProviderError({
    provider: profile.provider,
    kind,
    status: answer.status,
    retryAfterMs: wait?.ms,
    retryAfterSource: wait?.source,
    providerMessage: refusal.providerMessage ?? describeErrorBody(answer.text),
    providerCode: refusal.providerCode,
    hint: refusal.hint ?? profile.hint?.(answer.status) ?? defaultHint(answer.status),
    recipient: refusal.recipient,
  });
}

/** Pulls a readable message out of the error bodies providers commonly send. */
export function describeErrorBody(body: string): string {
  const parsed = parseJson<Record<string, unknown>>(body);
  if (!parsed || typeof parsed !== 'object') return body || '(empty body)';
  if (Array.isArray(parsed.errors)) {
    return parsed.errors
      .map((e: { message?: string; description?: string; field?: string | null }) =>
        [e.field ? `${e.field}: ` : '', e.message ?? '', e.description ? ` (${e.description})` : ''].join(''),
      )
      .join('; ');
  }
  if (parsed.error && typeof parsed.error === 'object') {
    const inner = parsed.error as Record<string, unknown>;
    return String(inner.message ?? JSON.stringify(inner));
  }
  for (const key of ['message', 'Message', 'error', 'detail', 'title']) {
    if (typeof parsed[key] === 'string') return parsed[key] as string;
  }
  return body;
}

function defaultHint(status: number): string | undefined {
  if (status === 401 || status === 403) return 'check the API key / credentials and their permissions';
  return undefined;
}

/** `JSON.parse` that answers undefined instead of throwing. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** `Basic base64(user:password)` */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Removes a trailing slash so `${base}/path` never doubles it. */
export function baseUrl(value: string): string {
  return value.replace(/\/+$/, '');
}
