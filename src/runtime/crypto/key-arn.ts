/**
 * KMS key ARN checks: the one rule for the relay, the CLI and the infra tools. The Encryption
 * SDK's KMS keyring only tries data keys whose provider info equals one of its key ARNs, and
 * Cognito writes the full key ARN there; a key ID or an alias therefore matches nothing and fails
 * late with "unencryptedDataKey has not been set". We refuse them up front with a
 * message that says what to use instead.
 *
 * The ARN is split by `@aws-sdk/util-arn-parser`; the rule on top is KMS's: service `kms`, a
 * region, a 12-digit account and `key/<key id>`, where a key ID is a UUID or, for a multi-Region
 * key, `mrk-` and 32 hex digits (the only two forms KMS issues).
 */
import { parse, validate } from '@aws-sdk/util-arn-parser';

const PARTITION = /^aws(?:-[a-z]+)*$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
const KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const BARE_KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const EXAMPLE = 'arn:aws:kms:<region>:<account>:key/<key id>';

export interface KmsKeyArn {
  partition: string;
  region: string;
  accountId: string;
  keyId: string;
}

/** The parts of a KMS key ARN, or `undefined` when `value` is not one. */
export function parseKmsKeyArn(value: unknown): KmsKeyArn | undefined {
  if (typeof value !== 'string' || !validate(value)) return undefined;
  const arn = parse(value);
  const keyId = arn.resource.startsWith('key/') ? arn.resource.slice('key/'.length) : '';
  const valid =
    arn.service === 'kms' && PARTITION.test(arn.partition) && REGION.test(arn.region) && ACCOUNT.test(arn.accountId) && KEY_ID.test(keyId);
  return valid ? { partition: arn.partition, region: arn.region, accountId: arn.accountId, keyId } : undefined;
}

/**
 * A KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`). Cognito rejects a bare key ID, and an
 * alias ARN never matches the data key Cognito writes.
 */
export function isKmsKeyArn(value: unknown): boolean {
  return parseKmsKeyArn(value) !== undefined;
}

/**
 * Returns why `value` is not usable as the keyring's key ARN, or `undefined` when it is.
 *
 * @example
 * keyArnProblem('1234abcd-12ab-34cd-56ef-1234567890ab');
 * // → 'KMS_KEY_ARN is a bare key ID; …'
 */
export function keyArnProblem(value: unknown, setting = 'KMS_KEY_ARN'): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    return `${setting} is not set: set it to the ARN of the user pool's custom sender KMS key (${EXAMPLE})`;
  }
  if (value !== value.trim()) {
    return `${setting} has leading or trailing whitespace; the keyring compares key ARNs exactly`;
  }
  if (isKmsKeyArn(value)) return undefined;
  if (BARE_KEY_ID.test(value)) {
    return `${setting} is a bare key ID, not a key ARN: the Encryption SDK only matches data keys by full key ARN. Use ${EXAMPLE.replace('<key id>', value)}`;
  }
  if (value.startsWith('alias/') || /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\//.test(value)) {
    return `${setting} is a KMS alias: the Encryption SDK only matches data keys by key ARN. Use the ARN of the key the alias points to (aws kms describe-key --key-id ${value} --query KeyMetadata.Arn)`;
  }
  return `${setting} is not a KMS key ARN; expected ${EXAMPLE} (the key ID is a UUID, or mrk- and 32 hex digits for a multi-Region key)`;
}

/** The region part of a key ARN, or `undefined` when `keyArn` is not one. */
export function regionOfKeyArn(keyArn: string): string | undefined {
  return parseKmsKeyArn(keyArn)?.region;
}
