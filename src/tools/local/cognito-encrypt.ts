/**
 * Encrypts a code the way Cognito does before it invokes a custom sender, with the official
 * AWS Encryption SDK, so tests, the sandbox and the CLI `encrypt` command feed the relay the same
 * bytes a real pool would (message format v1, suite 0x0378, context `userpool-id`).
 *
 * Deliberately its own module: `@aws-crypto/client-node` is a dev dependency and must never be
 * imported from anything the Lambda bundle reaches.
 *
 * @example
 * const code = await encryptCognitoCode({
 *   plaintext: '123456', keyArn, userPoolId: 'eu-west-1_AbCdEf123', kmsEndpoint: kms.url,
 * });
 */
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  KmsKeyringNode,
  buildClient,
} from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { regionOfKeyArn } from '../../runtime/crypto/key-arn.ts';

export type CognitoCodeFormat = 'cognito' | 'v2';

export interface EncryptCognitoCodeInput {
  plaintext: string;
  /** Full key ARN; it becomes the data key's provider info, as in Cognito's messages. */
  keyArn: string;
  /** Bound as `userpool-id` in the encryption context ('cognito' format only). */
  userPoolId: string;
  /** KMS endpoint (e.g. the stand-in's URL). Default: the SDK's (honours `AWS_ENDPOINT_URL_KMS`). */
  kmsEndpoint?: string | undefined;
  /** Default: the key ARN's region. */
  region?: string | undefined;
  /**
   * 'cognito' (default): what Cognito sends — message format v1, suite 0x0378 (signed, not
   * committing), context `{ 'userpool-id': … }`.
   * 'v2': what some emulators send — format v2, suite 0x0578 (signed, committing), no context.
   */
  format?: CognitoCodeFormat | undefined;
  /**
   * Credentials to sign the KMS calls with. Default: dummy ones for a loopback endpoint (the
   * stand-in checks that requests are signed, not by whom, and a user's expired SSO profile must
   * not break the sandbox), else the SDK's default chain.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}

// FORBID_ENCRYPT_ALLOW_DECRYPT is the only policy under which the SDK still emits the
// non-committing v1 messages Cognito produces; v2 needs a policy that requires commitment.
const cognitoClient = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
const committingClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** Returns the base64 Encryption SDK message, as found in `event.request.code`. */
export async function encryptCognitoCode(input: EncryptCognitoCodeInput): Promise<string> {
  const region = input.region ?? regionOfKeyArn(input.keyArn);
  const credentials =
    input.credentials ?? (isLoopback(input.kmsEndpoint) ? { accessKeyId: 'cognito-relay-local', secretAccessKey: 'cognito-relay-local' } : undefined);
  const kms = new KMS({
    ...(region === undefined ? {} : { region }),
    ...(input.kmsEndpoint === undefined ? {} : { endpoint: input.kmsEndpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  });
  try {
    const keyring = new KmsKeyringNode({ generatorKeyId: input.keyArn, clientProvider: () => kms });
    const { result } =
      (input.format ?? 'cognito') === 'cognito'
        ? await cognitoClient.encrypt(keyring, input.plaintext, {
            suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384,
            encryptionContext: { 'userpool-id': input.userPoolId },
          })
        : await committingClient.encrypt(keyring, input.plaintext, {
            suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
          });
    return Buffer.from(result).toString('base64');
  } finally {
    kms.destroy();
  }
}
