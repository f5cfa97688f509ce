/**
 * KMS `Decrypt`, and only that, without `KMSClient`'s middleware stack.
 *
 * Why: on a warm invocation `KMSClient.send(new DecryptCommand(…))` spent ~1.3 ms in middleware,
 * endpoint rules, schema serialisation and parsing around a request that is one small JSON body —
 * more than the whole rest of the relay's own work. This module makes the same request from the
 * SDK's own parts, each used through its public API:
 *
 *   credentials  `@aws-sdk/credential-provider-node` (the SDK's default chain: environment
 *                variables on Lambda, SSO / profiles / container for the CLI), memoised and
 *                refreshed before expiry as the SDK does (`memoizeIdentityProvider`)
 *   signing      `AwsSdkSigV4Signer` over `@smithy/signature-v4`, the signer `KMSClient` uses,
 *                clock-skew correction included
 *   sending      `NodeHttpHandler` from `@smithy/node-http-handler` (keep-alive agent, as the SDK)
 *   retries      `StandardRetryStrategy` and the SDK's error classification (`@smithy/core/retry`):
 *                throttling and transient / 5xx errors retried with the SDK's backoff and quota
 *   endpoint     `AWS_ENDPOINT_URL_KMS` / `AWS_ENDPOINT_URL` / `endpoint_url` in the shared config
 *                (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), else KMS's regional endpoint for
 *                the key's partition, FIPS and dual-stack as `AWS_USE_FIPS_ENDPOINT` /
 *                `AWS_USE_DUALSTACK_ENDPOINT` say
 *   errors       KMS's JSON error type read with the SDK's `loadJsonRpcErrorCode`; the error's
 *                `name` is the KMS exception name, exactly as `KMSClient` would throw it
 *
 * test/runtime/crypto/kms-decrypt.test.ts proves the request (headers, body, signature) equals
 * byte for byte what `KMSClient` sends for the same input, time and credentials, and that the
 * endpoints equal the SDK's endpoint rules.
 *
 * @example
 * const kms = createKmsDecryptClient({ region: 'eu-west-1' });
 * const { Plaintext, KeyId } = await kms.decrypt({ CiphertextBlob, KeyId: keyArn, EncryptionContext });
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { partition } from '@aws-sdk/core/client';
import { AwsSdkSigV4Signer } from '@aws-sdk/core/httpAuthSchemes';
import { loadJsonRpcErrorCode } from '@aws-sdk/core/protocols';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { Sha256 } from '@smithy/core/checksum';
import { SelectorType, booleanSelector, loadConfig } from '@smithy/core/config';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import {
  NODE_MAX_ATTEMPT_CONFIG_OPTIONS,
  StandardRetryStrategy,
  getRetryAfterHint,
  isServerError,
  isThrottlingError,
  isTransientError,
} from '@smithy/core/retry';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorType } from '@smithy/types';

/** What sends a signed request: `NodeHttpHandler`, or a stub answering locally. */
export interface KmsRequestHandler {
  handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
  destroy?(): void;
}

/** What the Encryption SDK's KMS keyring sends (its `AwsEsdkKMSInterface.decrypt` input). */
export interface KmsDecryptRequest {
  CiphertextBlob: Uint8Array | undefined;
  KeyId?: string | undefined;
  EncryptionContext?: Record<string, string> | undefined;
  GrantTokens?: string[] | undefined;
}

/** The fields of KMS's Decrypt answer; `Plaintext` decoded from base64 as the SDK does. */
export interface KmsDecryptResponse {
  KeyId?: string | undefined;
  Plaintext?: Uint8Array | undefined;
  EncryptionAlgorithm?: string | undefined;
}

export interface KmsDecryptClient {
  decrypt(request: KmsDecryptRequest): Promise<KmsDecryptResponse>;
  /** Resolves credentials, endpoint and retry settings now (init phase), so the first call does not. */
  prime(): Promise<void>;
  /** Closes the keep-alive connections. */
  destroy(): void;
}

export interface KmsDecryptClientOptions {
  /** Signing region: the key's region (KMS keys are regional). */
  region: string;
  /** Base URL, e.g. `http://127.0.0.1:4599`. Default: configured endpoint, else KMS's regional one. */
  endpoint?: string | undefined;
  /** Default: the SDK's default credential provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Attempts per call, first one included. Default: `AWS_MAX_ATTEMPTS` / `max_attempts`, else 3 (the SDK's). */
  maxAttempts?: number | undefined;
  /** Default: a `NodeHttpHandler` (keep-alive). Tests and the warm-up inject one that answers locally. */
  requestHandler?: KmsRequestHandler | undefined;
}

/** A KMS error as `KMSClient` throws it: `name` is KMS's exception name, `$metadata.httpStatusCode` set. */
export class KmsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string | undefined; attempts?: number; clockSkewCorrected?: boolean };
  readonly $response: HttpResponse;

  constructor(name: string, message: string, response: HttpResponse) {
    super(message);
    this.name = name;
    this.$fault = response.statusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: response.statusCode, requestId: header(response, 'x-amzn-requestid') };
    this.$response = response;
  }
}

const JSON_1_1 = 'application/x-amz-json-1.1';
const TARGET = 'TrentService.Decrypt';

export function createKmsDecryptClient(options: KmsDecryptClientOptions): KmsDecryptClient {
  const { region } = options;
  const credentials = memoizeIdentityProvider(
    options.credentials ?? defaultProvider(),
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as AwsCredentialIdentityProvider;
  const sigv4 = new SignatureV4({ service: 'kms', region, credentials, sha256: Sha256, uriEscapePath: true, applyChecksum: true });
  // What AwsSdkSigV4Signer reads: the signer, and the clock offset it keeps corrected.
  const signingConfig: { signer: () => Promise<SignatureV4>; systemClockOffset: number } = {
    signer: async () => sigv4,
    systemClockOffset: 0,
  };
  const signer = new AwsSdkSigV4Signer();
  const handler: KmsRequestHandler = options.requestHandler ?? new NodeHttpHandler();

  const endpoint = once(async () => new URL(options.endpoint ?? (await configuredEndpoint()) ?? (await regionalEndpoint(region))));
  const retryStrategy = once(async () => new StandardRetryStrategy(options.maxAttempts ?? (await loadConfig(NODE_MAX_ATTEMPT_CONFIG_OPTIONS)())));

  async function attempt(url: URL, body: string): Promise<KmsDecryptResponse> {
    const request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      // The SDK appends the operation's path `/` to an endpoint's own path.
      path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
      headers: {
        'content-type': JSON_1_1,
        'x-amz-target': TARGET,
        'content-length': String(Buffer.byteLength(body)),
        host: url.host,
      },
      body,
    });
    const signingProperties = { config: signingConfig, context: {}, signingRegion: region, signingName: 'kms' };
    const signed = await signer.sign(request, await credentials(), signingProperties);
    // Network failures (ECONNREFUSED, ECONNRESET, timeouts) propagate with their `code`, which
    // the SDK's classification treats as transient.
    const { response } = await handler.handle(signed as HttpRequest);
    const text = Buffer.from(await streamCollector(response.body)).toString('utf8');
    if (response.statusCode >= 300) {
      const failure = kmsError(response, text);
      try {
        signer.errorHandler(signingProperties)(failure);
      } catch {
        // errorHandler rethrows after updating the clock offset; the failure is thrown below.
      }
      throw failure;
    }
    signer.successHandler(response, signingProperties);
    return parseDecryptResponse(text, response);
  }

  async function decrypt(request: KmsDecryptRequest): Promise<KmsDecryptResponse> {
    const body = serializeDecryptRequest(request);
    const [url, strategy] = await Promise.all([endpoint(), retryStrategy()]);
    let token = await strategy.acquireInitialRetryToken('');
    let attempts = 0;
    for (;;) {
      attempts += 1;
      try {
        const result = await attempt(url, body);
        strategy.recordSuccess(token);
        return result;
      } catch (error) {
        try {
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: retryErrorType(error),
            retryAfterHint: error instanceof KmsServiceError ? getRetryAfterHint(error.$response) : undefined,
          });
        } catch {
          if (error instanceof KmsServiceError) error.$metadata.attempts = attempts;
          throw error;
        }
        // StandardRetryStrategy has already waited its backoff inside refreshRetryTokenForRetry.
        const delay = token.getRetryDelay();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  return {
    decrypt,
    async prime() {
      await Promise.all([credentials(), endpoint(), retryStrategy()]);
    },
    destroy() {
      handler.destroy?.();
    },
  };
}

/**
 * The JSON body `KMSClient` writes for these fields: same member order (the Decrypt input
 * shape's), blobs in base64, absent members left out.
 */
export function serializeDecryptRequest(request: KmsDecryptRequest): string {
  if (!(request.CiphertextBlob instanceof Uint8Array)) throw new TypeError('KMS Decrypt: CiphertextBlob must be bytes');
  const body: Record<string, unknown> = { CiphertextBlob: Buffer.from(request.CiphertextBlob.buffer, request.CiphertextBlob.byteOffset, request.CiphertextBlob.byteLength).toString('base64') };
  if (request.EncryptionContext !== undefined) body['EncryptionContext'] = request.EncryptionContext;
  if (request.GrantTokens !== undefined) body['GrantTokens'] = request.GrantTokens;
  if (request.KeyId !== undefined) body['KeyId'] = request.KeyId;
  return JSON.stringify(body);
}

function parseDecryptResponse(text: string, response: HttpResponse): KmsDecryptResponse {
  let data: { KeyId?: unknown; Plaintext?: unknown; EncryptionAlgorithm?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    throw new KmsServiceError('SerializationException', `KMS answered Decrypt with HTTP ${response.statusCode} and a body that is not JSON`, response);
  }
  return {
    KeyId: typeof data.KeyId === 'string' ? data.KeyId : undefined,
    Plaintext: typeof data.Plaintext === 'string' ? new Uint8Array(Buffer.from(data.Plaintext, 'base64')) : undefined,
    EncryptionAlgorithm: typeof data.EncryptionAlgorithm === 'string' ? data.EncryptionAlgorithm : undefined,
  };
}

/** The error `KMSClient` would throw: KMS's exception name (sanitised as the SDK does) and message. */
function kmsError(response: HttpResponse, text: string): KmsServiceError {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') data = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page, an empty 503): the status decides below.
  }
  const name = loadJsonRpcErrorCode(response, data) ?? (response.statusCode >= 500 ? 'KMSInternalException' : 'UnknownError');
  const said = data['message'] ?? data['Message'];
  const message = typeof said === 'string' && said !== '' ? said : `KMS answered Decrypt with HTTP ${response.statusCode}`;
  return new KmsServiceError(name, message, response);
}

/** The SDK retry middleware's classification, in its order. */
function retryErrorType(error: unknown): RetryErrorType {
  const sdkError = (error instanceof Error ? error : new Error(String(error))) as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError)) return 'THROTTLING';
  if (isTransientError(sdkError)) return 'TRANSIENT';
  if (isServerError(sdkError)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

/** `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`, or the shared config's `endpoint_url`, as the SDK reads them. */
async function configuredEndpoint(): Promise<string | undefined> {
  const ignore = await loadConfig<boolean>({
    environmentVariableSelector: (env) => booleanSelector(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', SelectorType.ENV),
    configFileSelector: (profile) => booleanSelector(profile, 'ignore_configured_endpoint_urls', SelectorType.CONFIG),
    default: false,
  })();
  if (ignore) return undefined;
  return loadConfig<string | undefined>({
    environmentVariableSelector: (env) => env['AWS_ENDPOINT_URL_KMS'] || env['AWS_ENDPOINT_URL'] || undefined,
    configFileSelector: (profile, config) => {
      const services = profile['services'];
      const section = services === undefined ? undefined : config?.[`services.${services}`];
      return section?.['kms.endpoint_url'] ?? profile['endpoint_url'];
    },
    default: undefined,
  })();
}

/** KMS's endpoint rules: `https://kms[-fips].<region>.<partition DNS suffix or dual-stack suffix>`. */
export async function regionalEndpoint(region: string): Promise<string> {
  const [fips, dualStack] = await Promise.all([
    loadConfig<boolean>({
      environmentVariableSelector: (env) => booleanSelector(env, 'AWS_USE_FIPS_ENDPOINT', SelectorType.ENV),
      configFileSelector: (profile) => booleanSelector(profile, 'use_fips_endpoint', SelectorType.CONFIG),
      default: false,
    })(),
    loadConfig<boolean>({
      environmentVariableSelector: (env) => booleanSelector(env, 'AWS_USE_DUALSTACK_ENDPOINT', SelectorType.ENV),
      configFileSelector: (profile) => booleanSelector(profile, 'use_dualstack_endpoint', SelectorType.CONFIG),
      default: false,
    })(),
  ]);
  const info = partition(region);
  return `https://kms${fips ? '-fips' : ''}.${region}.${dualStack ? info.dualStackDnsSuffix : info.dnsSuffix}`;
}

function header(response: HttpResponse, name: string): string | undefined {
  for (const [key, value] of Object.entries(response.headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Runs `make` once; a failure is not kept, so the next call tries again. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= make().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
