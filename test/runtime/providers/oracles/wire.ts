/**
 * Official SDKs as oracles: the same message goes through the provider's own Node SDK and through
 * the relay's provider, both to one loopback capture server, and the two requests are compared
 * field by field as the provider reads them — method, path, query, credentials, media type,
 * idempotency key, other headers, and the body parsed (JSON, form or multipart), never as bytes.
 *
 * What legitimately differs between an SDK and the relay (its user agent, transport headers) is
 * left out of the comparison here, with the reason next to each name; a provider test may leave
 * out more, each with its own reason.
 */
import assert from 'node:assert/strict';
import { PROVIDER_LOADERS } from '../../../../src/runtime/providers/registry.ts';
import type { Channel } from '../../../../src/runtime/cognito/triggers.ts';
import type { EmailProvider, SmsProvider } from '../../../../src/runtime/providers/types.ts';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import { startFakeProvider, type FakeProvider, type RecordedRequest, type ScriptedResponse } from '../../../support/fake-provider.ts';
import { formToObject } from '../../../support/openapi.ts';

/** Headers that never carry what the provider acts on, whichever client sends them. */
export const TRANSPORT_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'names the client library and its version',
  host: 'the capture server address both clients were pointed at',
  connection: 'connection reuse, not content',
  'keep-alive': 'connection reuse, not content',
  'content-length': 'framing of the same body; the bodies themselves are compared',
  'transfer-encoding': 'framing of the same body; the bodies themselves are compared',
  'accept-encoding': 'compression of the answer, not the request',
  'accept-language': "added to every request by Node's fetch (undici), which some SDKs use",
  'sec-fetch-mode': "added to every request by Node's fetch (undici), which some SDKs use",
};

export interface Wire {
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string | string[]>;
  /** Credentials as the provider reads them: Basic decoded, Bearer token, or named key headers. */
  auth: Record<string, string>;
  /** Media type without parameters (a multipart boundary is random). */
  mediaType: string;
  idempotencyKey: string | undefined;
  /** The remaining headers, lower-cased. */
  headers: Record<string, string>;
  body: unknown;
}

export interface WireOptions {
  /** Headers that carry a credential besides `authorization` (`api-key`, `x-postmark-server-token`). */
  authHeaders?: string[];
  /** Header carrying the idempotency key, when the provider takes one in a header. */
  idempotencyHeader?: string;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseAuthorization(value: string): Record<string, string> {
  const [scheme = '', ...rest] = value.split(' ');
  const credential = rest.join(' ');
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', token: credential };
  if (scheme === 'AWS4-HMAC-SHA256') {
    // SigV4: who signs, for which region and service, over which headers. The signature and the
    // date in the scope change with every request, so they are left out.
    const fields = Object.fromEntries(credential.split(/,\s*/).map((part) => part.split('=') as [string, string]));
    const [accessKey, , region, service] = (fields.Credential ?? '').split('/');
    return { scheme, accessKey: accessKey ?? '', region: region ?? '', service: service ?? '', signedHeaders: fields.SignedHeaders ?? '' };
  }
  // SparkPost takes the bare key in Authorization.
  return { scheme: 'raw', value };
}

async function parseBody(mediaType: string, contentType: string, body: string): Promise<unknown> {
  if (body === '') return undefined;
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return JSON.parse(body);
  if (mediaType === 'application/x-www-form-urlencoded') return formToObject(body);
  if (mediaType === 'multipart/form-data') {
    // The platform's own multipart parser (undici), fed the bytes as received.
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    const out: Record<string, string | string[]> = {};
    for (const [key, value] of form) {
      const text = typeof value === 'string' ? value : await value.text();
      const prev = out[key];
      out[key] = prev === undefined ? text : Array.isArray(prev) ? [...prev, text] : [prev, text];
    }
    return out;
  }
  return body;
}

export async function wireOf(request: RecordedRequest, options: WireOptions = {}): Promise<Wire> {
  const url = new URL(request.path, 'http://capture.invalid');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const text = headerValue(value);
    if (text !== undefined) headers[name.toLowerCase()] = text;
  }
  const contentType = headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const auth: Record<string, string> = {};
  if (headers.authorization) Object.assign(auth, parseAuthorization(headers.authorization));
  for (const name of options.authHeaders ?? []) if (headers[name] !== undefined) auth[name] = headers[name]!;
  const idempotencyKey = options.idempotencyHeader ? headers[options.idempotencyHeader] : undefined;
  for (const name of ['authorization', 'content-type', ...(options.authHeaders ?? []), ...(options.idempotencyHeader ? [options.idempotencyHeader] : [])]) {
    delete headers[name];
  }
  for (const name of Object.keys(TRANSPORT_HEADERS)) delete headers[name];
  // What a provider reads in Accept is whether it may answer JSON: an SDK's longer list
  // ("application/json, text/plain, */*") or no header at all (*/*) mean the same.
  const accept = headers.accept ?? '*/*';
  headers.accept = /application\/json|\*\/\*/.test(accept) ? 'JSON accepted' : accept;
  return {
    method: request.method,
    path: url.pathname,
    query: formToObject(url.search.slice(1)),
    auth,
    mediaType,
    idempotencyKey,
    headers,
    body: await parseBody(mediaType, contentType, request.body),
  };
}

/** Deletes a dotted path (`mail_settings.bypass_list_management`, `recipients.0.tags`) from an object. */
export function without(value: unknown, path: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  // Form bodies have dotted keys of their own (awsQuery's `MessageAttributes.entry.1.Name`).
  if (copy && typeof copy === 'object' && path in copy) {
    delete copy[path];
    return copy;
  }
  const keys = path.split('.');
  let node: Record<string, unknown> | undefined = copy;
  for (const key of keys.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
  if (node && typeof node === 'object') delete node[keys.at(-1)!];
  return copy;
}

/** Reads a dotted path out of a parsed body. */
export function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

/** Every scalar as a string: the values a form carries, so a JSON and a form body compare by meaning. */
export function asFormValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asFormValues);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asFormValues(v)]));
  return value === undefined || value === null ? value : String(value);
}

export interface Comparison {
  /** Headers left out beyond TRANSPORT_HEADERS, each with the reason. */
  ignoreHeaders?: Record<string, string>;
  /** Body paths left out of the whole-body comparison, each with the reason (checked on their own, if at all). */
  ignoreBody?: Record<string, string>;
  /** Compare media types only when they say the same thing; a reason when they legitimately differ. */
  mediaTypesMayDiffer?: string;
  /** Compare bodies with every scalar as a string (JSON against form), with the reason. */
  bodiesAsFormValues?: string;
}

/** Asserts the relay's request says to the provider what the SDK's says, field by field. */
export function assertSameRequest(relay: Wire, sdk: Wire, comparison: Comparison = {}): void {
  const shape = (wire: Wire) => {
    let body = wire.body;
    for (const path of Object.keys(comparison.ignoreBody ?? {})) body = without(body, path);
    if (comparison.bodiesAsFormValues) body = asFormValues(body);
    const headers = { ...wire.headers };
    for (const name of Object.keys(comparison.ignoreHeaders ?? {})) delete headers[name];
    return { headers, body };
  };
  assert.equal(relay.method, sdk.method, 'method');
  assert.equal(relay.path, sdk.path, 'path');
  assert.deepEqual(relay.query, sdk.query, 'query string');
  assert.deepEqual(relay.auth, sdk.auth, 'credentials');
  if (!comparison.mediaTypesMayDiffer) assert.equal(relay.mediaType, sdk.mediaType, 'content type');
  assert.equal(relay.idempotencyKey, sdk.idempotencyKey, 'idempotency key');
  const [mine, theirs] = [shape(relay), shape(sdk)];
  assert.deepEqual(mine.body, theirs.body, 'body');
  assert.deepEqual(mine.headers, theirs.headers, 'headers');
}

/**
 * A capture server plus helpers to send one message through each side and read the request back.
 * The answer is the provider's documented success, so both clients resolve normally.
 */
export async function startCapture(success: ScriptedResponse): Promise<Capture> {
  const fake = await startFakeProvider(success);
  return Object.assign(fake, {
    async during(send: () => Promise<unknown>, options: WireOptions = {}) {
      const before = fake.requests.length;
      await send();
      // Exactly one request: an SDK that swallowed an error must not leave an older one to compare.
      assert.equal(fake.requests.length - before, 1, 'requests that reached the capture server');
      return wireOf(fake.requests.at(-1)!, options);
    },
  });
}

export interface Capture extends FakeProvider {
  /** Runs one send and returns the one request it made, parsed. */
  during(send: () => Promise<unknown>, options?: WireOptions): Promise<Wire>;
}

/**
 * The relay's provider built as the Lambda builds it: through its registered definition, from
 * settings named as the environment names them, defaults applied.
 */
export async function relayProvider<C extends Channel>(
  channel: C,
  name: string,
  settings: Record<string, string>,
  region = 'eu-west-1',
): Promise<C extends 'email' ? EmailProvider : SmsProvider> {
  const loader = (PROVIDER_LOADERS[channel] as Record<string, () => Promise<{ default: import('../../../../src/runtime/providers/types.ts').ProviderDefinition<C> }>>)[name];
  if (!loader) throw new Error(`no ${channel} provider ${name}`);
  const definition = (await loader()).default;
  const raw: Record<string, string | undefined> = {};
  for (const spec of definition.settings) raw[spec.env] = settings[spec.env] ?? spec.default;
  for (const [env, value] of Object.entries(settings)) raw[env] = value;
  const problems = definition.validate?.(raw) ?? [];
  if (problems.length > 0) throw new Error(problems.join('; '));
  let typed: unknown = raw;
  if (definition.schema) {
    const { parse } = await import('valibot');
    typed = parse(definition.schema, raw);
  }
  // The Lambda's own HTTP client, as bootstrap wires it.
  return definition.create(typed as never, { fetch: nodeTransport, region });
}

/** A setting's default as the provider's definition declares it (e.g. its base URL). */
export async function declaredDefault(channel: Channel, name: string, env: string): Promise<string> {
  const definition = (await (PROVIDER_LOADERS[channel] as Record<string, () => Promise<{ default: { settings: { env: string; default?: string }[] } }>>)[name]!()).default;
  const value = definition.settings.find((spec) => spec.env === env)?.default;
  if (value === undefined) throw new Error(`${name} declares no default for ${env}`);
  return value;
}

/** The default base URL a provider declares, moved onto the capture server (path kept). */
export function onCapture(defaultUrl: string, captureUrl: string): string {
  const { pathname } = new URL(defaultUrl);
  return `${captureUrl}${pathname === '/' ? '' : pathname.replace(/\/$/, '')}`;
}
