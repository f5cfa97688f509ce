/**
 * Decrypts `event.request.code` with the official AWS Encryption SDK and a KMS keyring that
 * trusts exactly one key ARN (the pool's `KMSKeyID`), then checks the code is bound to the event's pool.
 *
 * Built once at cold start; `decrypt()` is safe to call concurrently.
 *
 * Why not `KmsKeyringNode`: `@aws-crypto/kms-keyring-node`'s index also exports the hierarchical
 * keyring, which drags `@aws-sdk/client-dynamodb` (~90 KB minified) into the Lambda bundle. The
 * node keyring is nothing more than `KmsKeyringClass(KeyringNode)` plus a client cache, so we
 * build the same class from the SDK's own public parts and hand it one KMS client: the lean
 * Decrypt-only client of kms-decrypt.ts (same request and signature as `KMSClient`, without its
 * middleware stack). Every check of the keyring and of the Encryption SDK runs unchanged.
 *
 * @example
 * const decryptor = createDecryptor({ keyArn: config.kmsKeyArn });
 * const code = await decryptor.decrypt(event.request.code, event.userPoolId);
 */
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { KmsKeyringClass } from '@aws-crypto/kms-keyring';
import type { AwsEsdkKMSInterface } from '@aws-crypto/kms-keyring';
import { CommitmentPolicy, KeyringNode, immutableClass } from '@aws-crypto/material-management-node';
import type {
  EncryptedDataKey,
  Newable,
  NodeAlgorithmSuite,
  NodeDecryptionMaterial,
} from '@aws-crypto/material-management-node';
import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/protocols';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { DecryptError, capExcerpt } from '../errors.ts';
import { keyArnProblem, regionOfKeyArn } from './key-arn.ts';
import { createKmsDecryptClient, type KmsDecryptClient, type KmsDecryptRequest, type KmsDecryptResponse } from './kms-decrypt.ts';
import { WARMUP_KEY_ARN, WARMUP_KMS_ANSWER, WARMUP_MESSAGE } from './fast-ecc-warmup.ts';
import { MAX_ENCRYPTED_DATA_KEYS, readCiphertext } from '../cognito/ciphertext-shape.ts';
import { startParallelSignatureCheck, type StartedSignatureCheck } from './parallel-signature-check.ts';

export interface DecryptorOptions {
  /** Full ARN of the pool's custom sender KMS key (`LambdaConfig.KMSKeyID`). */
  keyArn: string;
  /**
   * The KMS client the keyring calls (tests, tools). Default: one `createKmsDecryptClient` for the
   * key's region, configured by the options below.
   */
  kms?: Pick<KmsDecryptClient, 'decrypt'> & Partial<Pick<KmsDecryptClient, 'prime'>> | undefined;
  /** Region of the default client. Default: the key ARN's region (KMS keys are regional). */
  region?: string | undefined;
  /** KMS base URL of the default client. Default: `AWS_ENDPOINT_URL_KMS`, else KMS's regional endpoint. */
  endpoint?: string | undefined;
  /** Credentials of the default client. Default: the AWS SDK's default provider chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Attempts per KMS call of the default client. Default: the SDK's (3, or `AWS_MAX_ATTEMPTS`). */
  maxAttempts?: number | undefined;
}

export interface Decryptor {
  /** Returns the plaintext code. Throws `DecryptError` with a stable `code` on every failure. */
  decrypt(code: string, userPoolId: string): Promise<string>;
  /**
   * Init-phase warm-up, once per cold start: resolves the KMS client's credentials and region,
   * and decrypts a built-in `000000` message with a throwaway KMS client that answers locally
   * (no network), so the first event does not pay for the first run of that code. Never throws;
   * resolves true when the warm-up decrypt succeeded. The relay's own client is not used.
   * Optional: a decryptor injected by a tool or test may have nothing to warm up.
   */
  prime?(): Promise<boolean>;
}

/**
 * Largest frame body accepted. Codes and temporary passwords are a few dozen bytes; the cap stops
 * a hostile message from making the SDK buffer megabytes before it can authenticate them.
 */
const MAX_BODY_BYTES = 4096;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const USER_POOL_CONTEXT_KEY = 'userpool-id';

// REQUIRE_ENCRYPT_ALLOW_DECRYPT: Cognito sends non-committing v1 messages (suite 0x0378), which
// the default policy refuses; emulators send committing v2. The data-key bound is shared with the
// event's shape check: only keys for KMS_KEY_ARN are ever tried, and a stuffed header is refused.
const sdk = buildDecrypt({
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT,
  maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS,
});

/**
 * The SDK's KMS keyring over the node base keyring. After the SDK's own `_onDecrypt` it adds one
 * thing: when no data key in the message belongs to our key, it says which keys the message was
 * encrypted under, instead of the SDK's later "unencryptedDataKey has not been set".
 * (The cast is the one KmsKeyringNode itself makes: KeyringNode is declared abstract.)
 */
class RelayKmsKeyring extends KmsKeyringClass<NodeAlgorithmSuite, AwsEsdkKMSInterface>(
  KeyringNode as Newable<KeyringNode>,
) {
  override async _onDecrypt(
    material: NodeDecryptionMaterial,
    encryptedDataKeys: EncryptedDataKey[],
  ): Promise<NodeDecryptionMaterial> {
    const result = await super._onDecrypt(material, encryptedDataKeys);
    if (!result.hasValidKey()) throw wrongKeyError(this.keyIds[0] ?? '', encryptedDataKeys);
    return result;
  }
}
immutableClass(RelayKmsKeyring);

export function createDecryptor(options: DecryptorOptions): Required<Decryptor> {
  const problem = keyArnProblem(options.keyArn);
  if (problem !== undefined) throw new DecryptError('KEY_ARN_INVALID', problem);
  const { keyArn } = options;
  const region = options.region ?? regionOfKeyArn(keyArn);
  // Its NodeHttpHandler keeps connections alive, so warm invocations skip the TLS handshake.
  const kms =
    options.kms ??
    createKmsDecryptClient({
      // keyArnProblem() passed, so the ARN has a region.
      region: region ?? '',
      endpoint: options.endpoint,
      credentials: options.credentials,
      maxAttempts: options.maxAttempts,
    });

  async function decrypt(code: string, userPoolId: string): Promise<string> {
    if (typeof code !== 'string' || code === '') {
      throw new DecryptError('MALFORMED_CIPHERTEXT', 'request.code is empty: there is no code to decrypt');
    }
    if (!BASE64.test(code)) {
      throw new DecryptError('MALFORMED_CIPHERTEXT', 'request.code is not base64: it cannot be an Encryption SDK message');
    }

    // Read once per invocation (the event check read it already); the signature is checked in
    // the thread pool while KMS answers.
    const shape = readCiphertext(code);
    const signatureCheck = startParallelSignatureCheck(shape);
    // One keyring per call, so the KMS errors it swallows are kept for this call alone.
    const kmsFailures: unknown[] = [];
    const keyring = new RelayKmsKeyring({
      keyIds: [keyArn],
      clientProvider: () => decryptOnlyKms(kms, kmsFailures, signatureCheck),
    });

    let result: Awaited<ReturnType<typeof sdk.decrypt>>;
    try {
      result = await sdk.decrypt(keyring, shape.message, { maxBodySize: MAX_BODY_BYTES });
    } catch (error) {
      throw explain(error, keyArn, kmsFailures);
    } finally {
      signatureCheck?.release();
    }

    const boundPool = result.messageHeader.encryptionContext[USER_POOL_CONTEXT_KEY];
    if (boundPool !== undefined && boundPool !== userPoolId) {
      result.plaintext.fill(0);
      throw new DecryptError(
        'CONTEXT_MISMATCH',
        `the code was encrypted for user pool ${printable(boundPool)}, but the event comes from user pool ${userPoolId}; refusing to deliver it`,
      );
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(result.plaintext);
    } catch (error) {
      throw new DecryptError('MALFORMED_CIPHERTEXT', 'the decrypted code is not UTF-8 text', { cause: error });
    } finally {
      result.plaintext.fill(0);
    }
  }

  async function prime(): Promise<boolean> {
    try {
      await kms.prime?.();
      // The same request building, signing and parsing as the real client, but the request never
      // leaves the process: the handler answers with the fixture's data key.
      const local = createKmsDecryptClient({
        region: 'us-east-1',
        endpoint: 'https://kms.us-east-1.amazonaws.com',
        credentials: { accessKeyId: 'AKIDWARMUP', secretAccessKey: 'warm-up-only' },
        maxAttempts: 1,
        requestHandler: {
          handle: async () => ({
            response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(WARMUP_KMS_ANSWER)]) }),
          }),
        },
      });
      const shape = readCiphertext(WARMUP_MESSAGE);
      const signatureCheck = startParallelSignatureCheck(shape);
      const keyring = new RelayKmsKeyring({ keyIds: [WARMUP_KEY_ARN], clientProvider: () => decryptOnlyKms(local, [], signatureCheck) });
      const result = await sdk.decrypt(keyring, shape.message, { maxBodySize: MAX_BODY_BYTES }).finally(() => signatureCheck?.release());
      const ok = new TextDecoder('utf-8', { fatal: true }).decode(result.plaintext) === '000000';
      result.plaintext.fill(0);
      return ok;
    } catch {
      // Best effort: the first Decrypt resolves everything again and reports what is wrong.
      return false;
    }
  }

  return { decrypt, prime };
}

/**
 * The keyring only decrypts; encrypt paths are refused rather than silently supported. KMS
 * errors are recorded before the keyring folds them into one message. KMS's answer reaches the
 * SDK only once the parallel signature check has settled, so the SDK finds its answer ready.
 */
function decryptOnlyKms(
  client: { decrypt(request: KmsDecryptRequest): Promise<KmsDecryptResponse> },
  failures: unknown[],
  signatureCheck: StartedSignatureCheck | undefined,
): AwsEsdkKMSInterface {
  const refuse = () => Promise.reject(new Error('the relay keyring is decrypt-only'));
  return {
    decrypt: async (request) => {
      try {
        const answer = await client.decrypt(request);
        await signatureCheck?.settled;
        return answer;
      } catch (error) {
        failures.push(error);
        throw error;
      }
    },
    encrypt: refuse,
    generateDataKey: refuse,
  };
}

function wrongKeyError(keyArn: string, encryptedDataKeys: readonly EncryptedDataKey[]): DecryptError {
  // Cognito writes a key ARN here; anything else means the bytes were damaged, not misconfigured.
  if (encryptedDataKeys.some((edk) => edk.providerId === 'aws-kms' && keyArnProblem(edk.providerInfo) !== undefined)) {
    return new DecryptError(
      'MALFORMED_CIPHERTEXT',
      "request.code is not a valid Cognito code: its data key does not name a KMS key ARN (truncated or altered?)",
    );
  }
  const foreign = encryptedDataKeys.map((edk) =>
    edk.providerId === 'aws-kms' ? printable(edk.providerInfo) : `${printable(edk.providerId)} (not KMS)`,
  );
  const under = foreign.length > 0 ? `under ${foreign.join(', ')}` : 'with no data key';
  return new DecryptError(
    'WRONG_KEY',
    `the code was encrypted ${under}, a different KMS key than KMS_KEY_ARN=${keyArn}; set KMS_KEY_ARN to the ARN of the pool's custom sender KMS key (LambdaConfig.KMSKeyID / CDK customSenderKmsKey)`,
  );
}

/** Maps what the SDK or KMS threw to a DecryptError that says what to fix. */
function explain(error: unknown, keyArn: string, kmsFailures: unknown[]): DecryptError {
  if (error instanceof DecryptError) return error;
  const kmsFailure = kmsFailures[0];
  if (kmsFailure !== undefined) return explainKmsFailure(kmsFailure, keyArn);
  const reason = error instanceof Error ? error.message : String(error);
  if (reason.includes('unencryptedDataKey has not been set')) return wrongKeyError(keyArn, []);
  return new DecryptError(
    'MALFORMED_CIPHERTEXT',
    `request.code is not a valid Encryption SDK message (truncated or altered?): ${capExcerpt(reason).slice(0, 200)}`,
    { cause: error },
  );
}

function explainKmsFailure(failure: unknown, keyArn: string): DecryptError {
  const name = failure instanceof Error ? failure.name : 'Error';
  const said = failure instanceof Error ? capExcerpt(failure.message).slice(0, 300) : '';
  const detail = `(KMS ${name}: ${said})`;
  switch (name) {
    case 'AccessDeniedException':
      return new DecryptError(
        'KMS_ACCESS_DENIED',
        `KMS refused to decrypt the code: the function's role lacks kms:Decrypt on ${keyArn}, or the key policy or a condition (e.g. kms:EncryptionContext:userpool-id) denies it ${detail}`,
        { cause: failure },
      );
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'NotFoundException':
      return new DecryptError(
        'KMS_KEY_UNUSABLE',
        `KMS key ${keyArn} cannot decrypt: it is disabled, pending deletion or gone; enable it (aws kms enable-key) or point KMS_KEY_ARN at the pool's current key ${detail}`,
        { cause: failure },
      );
    case 'InvalidCiphertextException':
    case 'IncorrectKeyException':
      return new DecryptError(
        'MALFORMED_CIPHERTEXT',
        `KMS rejected the code's encrypted data key: the code was altered, or its encryption context is not the one it was encrypted with ${detail}`,
        { cause: failure },
      );
    default:
      // Throttling, KMS 5xx, network and credential errors: worth Lambda's async retry.
      return new DecryptError('KMS_UNAVAILABLE', `the KMS Decrypt call for ${keyArn} failed ${detail}`, {
        cause: failure,
      });
  }
}

/** Provider info comes from the (untrusted) message: keep it short and printable in messages. */
function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
