/**
 * What every HTTP provider shares: one request helper that turns the answer into either the
 * response or a `ProviderError` with the right kind (retryable / permanent), the provider's own
 * error text, and any wait the provider asked for.
 */
import { ProviderError } from '../errors.ts';

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
  text(): Promise<string>;
}

/**
 * The call shape the providers need from an HTTP client: `globalThis.fetch` fits it, and so does
 * the default transport (`nodeTransport` in transport.ts).
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
  /** Turns an error body into the provider's own words; defaults to common JSON shapes. */
  describeError?: (body: string, status: number) => string;
  /** Extra advice for a status (e.g. 401 → "check SENDGRID_API_KEY"). */
  hint?: (status: number) => string | undefined;
}

export interface HttpResponse {
  status: number;
  headers: HeaderReader;
  text: string;
  json<T = unknown>(): T;
}

/**
 * 408, 425, 429 and 5xx are worth another try; every other 4xx means the request itself is wrong
 * (bad key, bad recipient, unverified sender) and repeating it cannot help.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * The wait a provider asked for: `Retry-After` (seconds or HTTP date), else the common
 * rate-limit reset headers (`X-RateLimit-Reset` epoch seconds, `RateLimit-Reset` /
 * `x-sib-ratelimit-reset` seconds from now). Undefined when it said nothing.
 */
export function retryAfterMs(headers: HeaderReader, now: number = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset') ?? headers.get('x-sib-ratelimit-reset');
  if (reset) {
    const value = Number(reset);
    if (Number.isFinite(value)) {
      // Epoch seconds are ~1.7e9; anything small is "seconds from now".
      return value > 1e9 ? Math.max(0, value * 1000 - now) : Math.max(0, value * 1000);
    }
  }
  return undefined;
}

/** Pulls a readable message out of the error bodies providers commonly send. */
export function describeErrorBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
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
  } catch {
    return body || '(empty body)';
  }
}

/**
 * Sends one request. Resolves with any 2xx; throws `ProviderError` otherwise. Network errors
 * and aborts are retryable: the request may not have arrived.
 */
export async function request(req: HttpRequest): Promise<HttpResponse> {
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
    const aborted = req.signal.aborted;
    if (!aborted && /redirect/i.test(networkReason(error))) throw redirectError(req, undefined, error);
    throw new ProviderError({
      provider: req.provider,
      kind: 'retryable',
      providerMessage: aborted
        ? `request aborted (${String((req.signal.reason as Error | undefined)?.message ?? 'timeout')})`
        : `network error: ${networkReason(error)}`,
      cause: error,
    });
  }
  const text = await response.text().catch(() => '');
  // fetch with `redirect: 'error'` rejects (above); the default transport hands the 3xx back.
  if (response.status >= 300 && response.status < 400) throw redirectError(req, response.status);
  if (response.status >= 200 && response.status < 300) {
    return {
      status: response.status,
      headers: response.headers,
      text,
      json<T>() {
        return JSON.parse(text) as T;
      },
    };
  }
  throw new ProviderError({
    provider: req.provider,
    kind: isRetryableStatus(response.status) ? 'retryable' : 'permanent',
    status: response.status,
    retryAfterMs: retryAfterMs(response.headers),
    providerMessage: (req.describeError ?? describeErrorBody)(text, response.status),
    hint: req.hint?.(response.status) ?? defaultHint(response.status),
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

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

function defaultHint(status: number): string | undefined {
  if (status === 401 || status === 403) return 'check the API key / credentials and their permissions';
  return undefined;
}

/** `Basic base64(user:password)` */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Removes a trailing slash so `${base}/path` never doubles it. */
export function baseUrl(value: string): string {
  return value.replace(/\/+$/, '');
}
