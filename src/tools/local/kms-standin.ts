/**
 * A KMS stand-in on loopback: a real HTTP server that speaks the KMS JSON 1.1 protocol well
 * enough for `@aws-sdk/client-kms` and the Encryption SDK's KMS keyring to run unchanged against
 * it. Tests and the sandbox use it; it never runs in the Lambda.
 *
 * What it keeps from real KMS, because the relay's behaviour depends on it:
 * - keys are full ARNs, and Decrypt answers with the ARN of the key that made the blob;
 * - the encryption context is bound to the ciphertext (AES-GCM AAD): Decrypt with a different
 *   context fails with `InvalidCiphertextException`;
 * - Decrypt with a `KeyId` naming another key fails with `IncorrectKeyException`;
 * - every request must be SigV4-signed for service `kms` in the stand-in's region (the
 *   signature itself is not checked: the point is that the SDK's signing really ran);
 * - errors travel as HTTP 400 with `__type`, the way the SDK expects to parse them.
 *
 * @example
 * const kms = await startKmsStandIn({ region: 'eu-west-1' });
 * const keyArn = kms.createKey();
 * const client = new KMSClient({ region: kms.region, endpoint: kms.url });
 * // … later
 * await kms.close();
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { RelayError } from '../../runtime/errors.ts';

export interface KmsStandInOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the stand-in is for this machine only. */
  host?: string;
  /** Region in the key ARNs and the one requests must be signed for. Default `eu-west-1`. */
  region?: string;
  /** Account in the key ARNs. Default `111122223333`. */
  accountId?: string;
}

export interface KmsStandIn {
  /** Base URL to use as the SDK `endpoint` or `AWS_ENDPOINT_URL_KMS`, e.g. `http://127.0.0.1:4599`. */
  url: string;
  region: string;
  /** Creates an enabled AES-256 key and returns its full ARN. */
  createKey(): string;
  /** Every later request that uses this key fails with `AccessDeniedException`. */
  deny(arn: string): void;
  /** Every later request that uses this key fails with `DisabledException`. */
  disable(arn: string): void;
  /** Requests received, per operation (`Decrypt`, `GenerateDataKey`, …), rejected ones included. */
  calls: Record<string, number>;
  /** TCP connections accepted so far (lets tests see that clients reuse connections). */
  readonly connections: number;
  close(): Promise<void>;
}

interface StandInKey {
  id: string;
  arn: string;
  material: Buffer;
  enabled: boolean;
  denied: boolean;
  createdAt: Date;
}

/** A failure sent back the way KMS does: HTTP 400 (or 5xx) with `__type` and `message`. */
class KmsFault extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

type Json = Record<string, unknown>;

const BLOB_VERSION = 0x01;
const UUID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BLOB_HEADER_BYTES = 1 + UUID_BYTES + IV_BYTES + TAG_BYTES;
const MAX_REQUEST_BYTES = 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export async function startKmsStandIn(options: KmsStandInOptions = {}): Promise<KmsStandIn> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'eu-west-1';
  const accountId = options.accountId ?? '111122223333';
  const keys = new Map<string, StandInKey>();
  const calls: Record<string, number> = {};
  const sockets = new Set<Socket>();
  let connections = 0;

  const arnPrefix = `arn:aws:kms:${region}:${accountId}:key/`;

  function createKey(): string {
    const id = randomUUID();
    const key: StandInKey = {
      id,
      arn: `${arnPrefix}${id}`,
      material: randomBytes(32),
      enabled: true,
      denied: false,
      createdAt: new Date(),
    };
    keys.set(id, key);
    return key.arn;
  }

  function knownKey(arn: string): StandInKey {
    const key = keys.get(arn.startsWith(arnPrefix) ? arn.slice(arnPrefix.length) : arn);
    if (!key) throw new Error(`KMS stand-in has no key ${arn}`);
    return key;
  }

  /** Resolves a request's KeyId (ARN or bare key ID), like KMS does for its own account. */
  function resolveKey(keyId: unknown): StandInKey {
    if (typeof keyId !== 'string' || keyId === '') {
      throw new KmsFault('ValidationException', '1 validation error detected: KeyId must not be null');
    }
    const id = keyId.startsWith(arnPrefix) ? keyId.slice(arnPrefix.length) : keyId;
    const key = keys.get(id);
    if (!key) throw new KmsFault('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  function usable(key: StandInKey, operation: string): StandInKey {
    if (key.denied) {
      throw new KmsFault(
        'AccessDeniedException',
        `User: arn:aws:sts::${accountId}:assumed-role/relay-role/relay is not authorized to perform: kms:${operation} on resource: ${key.arn} because no identity-based policy allows the kms:${operation} action`,
      );
    }
    if (!key.enabled) throw new KmsFault('DisabledException', `${key.arn} is disabled.`);
    return key;
  }

  function seal(key: StandInKey, plaintext: Buffer, context: unknown): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(contextAad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), uuidBytes(key.id), iv, cipher.getAuthTag(), body]);
  }

  function open(blob: Buffer, context: unknown, requestedKeyId: unknown): { key: StandInKey; plaintext: Buffer } {
    const invalid = new KmsFault('InvalidCiphertextException', 'The ciphertext is invalid for this key and encryption context.');
    if (blob.length < BLOB_HEADER_BYTES || blob[0] !== BLOB_VERSION) throw invalid;
    const key = keys.get(uuidString(blob.subarray(1, 1 + UUID_BYTES)));
    if (!key) throw invalid;
    if (requestedKeyId !== undefined && resolveKeyOrNull(requestedKeyId) !== key) {
      throw new KmsFault(
        'IncorrectKeyException',
        'The key ID in the request does not identify a CMK that can perform this operation.',
      );
    }
    usable(key, 'Decrypt');
    const ivEnd = 1 + UUID_BYTES + IV_BYTES;
    const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(1 + UUID_BYTES, ivEnd));
    decipher.setAuthTag(blob.subarray(ivEnd, ivEnd + TAG_BYTES));
    decipher.setAAD(contextAad(context));
    try {
      return { key, plaintext: Buffer.concat([decipher.update(blob.subarray(BLOB_HEADER_BYTES)), decipher.final()]) };
    } catch {
      // Wrong context or altered bytes: real KMS cannot tell these apart either.
      throw invalid;
    }
  }

  function resolveKeyOrNull(keyId: unknown): StandInKey | null {
    try {
      return resolveKey(keyId);
    } catch {
      return null;
    }
  }

  function metadata(key: StandInKey): Json {
    return {
      AWSAccountId: accountId,
      KeyId: key.id,
      Arn: key.arn,
      CreationDate: key.createdAt.getTime() / 1000,
      Enabled: key.enabled,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      KeyManager: 'CUSTOMER',
      Origin: 'AWS_KMS',
      MultiRegion: false,
      Description: '',
    };
  }

  const operations: Record<string, (input: Json) => Json> = {
    CreateKey: () => {
      const arn = createKey();
      return { KeyMetadata: metadata(knownKey(arn)) };
    },
    DescribeKey: (input) => {
      const key = resolveKey(input.KeyId);
      if (key.denied) usable(key, 'DescribeKey');
      return { KeyMetadata: metadata(key) };
    },
    GenerateDataKey: (input) => {
      const key = usable(resolveKey(input.KeyId), 'GenerateDataKey');
      const size = dataKeySize(input);
      const plaintext = randomBytes(size);
      return {
        KeyId: key.arn,
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: seal(key, plaintext, input.EncryptionContext).toString('base64'),
      };
    },
    Encrypt: (input) => {
      const key = usable(resolveKey(input.KeyId), 'Encrypt');
      const plaintext = decodeBlob(input.Plaintext, 'Plaintext');
      return {
        KeyId: key.arn,
        CiphertextBlob: seal(key, plaintext, input.EncryptionContext).toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    Decrypt: (input) => {
      const blob = decodeBlob(input.CiphertextBlob, 'CiphertextBlob');
      const { key, plaintext } = open(blob, input.EncryptionContext, input.KeyId);
      return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = header(request, 'x-amz-target');
    const operation = target?.startsWith('TrentService.') ? target.slice('TrentService.'.length) : undefined;
    calls[operation ?? '(no target)'] = (calls[operation ?? '(no target)'] ?? 0) + 1;
    try {
      if (request.method !== 'POST' || (request.url ?? '/').split('?')[0] !== '/') {
        throw new KmsFault('UnknownOperationException', 'KMS accepts POST / only', 404);
      }
      checkSignature(request, region);
      if (!header(request, 'content-type')?.startsWith(JSON_CONTENT_TYPE)) {
        throw new KmsFault('SerializationException', `Content-Type must be ${JSON_CONTENT_TYPE}`);
      }
      const run = operation === undefined ? undefined : operations[operation];
      if (!run) throw new KmsFault('UnknownOperationException', `unknown operation ${target ?? '(none)'}`);
      const input = parseJson(await readBody(request));
      send(response, 200, run(input));
    } catch (error) {
      const fault =
        error instanceof KmsFault
          ? error
          : new KmsFault('KMSInternalException', error instanceof Error ? error.message : String(error), 500);
      send(response, fault.status, { __type: fault.type, message: fault.message });
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.on('connection', (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(
          new RelayError(
            'PORT_IN_USE',
            `KMS stand-in cannot listen on ${host}:${options.port}: port ${options.port} is already in use. Pick another port or stop the process that holds it.`,
            { cause: error },
          ),
        );
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port ?? 0, host);
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    region,
    createKey,
    deny: (arn) => {
      knownKey(arn).denied = true;
    },
    disable: (arn) => {
      knownKey(arn).enabled = false;
    },
    calls,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until the client lets go.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Requires a SigV4 Authorization header scoped to `<date>/<region>/kms/aws4_request`, which is
 * what the SDK's signer produces. Real KMS answers a missing one and a wrong scope like this.
 */
function checkSignature(request: IncomingMessage, region: string): void {
  const authorization = header(request, 'authorization');
  if (!authorization) {
    throw new KmsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const scope = /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,/.exec(authorization);
  if (!scope || !/SignedHeaders=/.test(authorization) || !/Signature=[0-9a-f]{64}/.test(authorization)) {
    throw new KmsFault('IncompleteSignatureException', 'Authorization header is not a complete AWS4-HMAC-SHA256 signature');
  }
  if (scope[3] !== 'kms' || scope[2] !== region) {
    throw new KmsFault(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region and service: expected ${region}/kms, got ${scope[2]}/${scope[3]}`,
    );
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) throw new KmsFault('ValidationException', 'request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): Json {
  try {
    const parsed: unknown = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Json;
  } catch {
    throw new KmsFault('SerializationException', 'request body is not a JSON object');
  }
}

function decodeBlob(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || value === '') {
    throw new KmsFault('ValidationException', `1 validation error detected: ${field} must not be null`);
  }
  return Buffer.from(value, 'base64');
}

function dataKeySize(input: Json): number {
  if (typeof input.NumberOfBytes === 'number') {
    if (!Number.isInteger(input.NumberOfBytes) || input.NumberOfBytes < 1 || input.NumberOfBytes > 1024) {
      throw new KmsFault('ValidationException', 'NumberOfBytes must be between 1 and 1024');
    }
    return input.NumberOfBytes;
  }
  if (input.KeySpec === 'AES_128') return 16;
  if (input.KeySpec === 'AES_256') return 32;
  throw new KmsFault('ValidationException', 'Please specify either number of bytes or key spec.');
}

/**
 * The context as AAD in a canonical form: KMS treats the context as a map, so key order must
 * not matter, but every key and value must.
 */
function contextAad(context: unknown): Buffer {
  if (context === undefined || context === null) return Buffer.alloc(0);
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new KmsFault('ValidationException', 'EncryptionContext must be a map of strings');
  }
  const entries = Object.entries(context as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.some(([, value]) => typeof value !== 'string')) {
    throw new KmsFault('ValidationException', 'EncryptionContext values must be strings');
  }
  return entries.length === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(entries), 'utf8');
}

function uuidBytes(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function send(response: ServerResponse, status: number, body: Json): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(payload);
}
