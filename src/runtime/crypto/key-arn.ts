/**
 * KMS key ARN checks. The Encryption SDK's KMS keyring only tries data keys whose provider info
 * equals one of its key ARNs, and Cognito writes the full key ARN there; a key ID or an alias
 * therefore matches nothing and fails late with "unencryptedDataKey has not been set".
 * We refuse them up front with a message that says what to use instead.
 */

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):key\/([A-Za-z0-9-]{1,128})$/;
const BARE_KEY_ID = /^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const EXAMPLE = 'arn:aws:kms:<region>:<account>:key/<key id>';

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
  if (KEY_ARN.test(value)) return undefined;
  if (BARE_KEY_ID.test(value)) {
    return `${setting} is a bare key ID, not a key ARN: the Encryption SDK only matches data keys by full key ARN. Use ${EXAMPLE.replace('<key id>', value)}`;
  }
  if (value.startsWith('alias/') || /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:alias\//.test(value)) {
    return `${setting} is a KMS alias: the Encryption SDK only matches data keys by key ARN. Use the ARN of the key the alias points to (aws kms describe-key --key-id ${value} --query KeyMetadata.Arn)`;
  }
  return `${setting} is not a KMS key ARN; expected ${EXAMPLE}`;
}

/** The region part of a key ARN, or `undefined` when `keyArn` is not one. */
export function regionOfKeyArn(keyArn: string): string | undefined {
  return KEY_ARN.exec(keyArn)?.[2];
}
