import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encryptCognitoCode, startTestKms } from '../../support/kms.ts';
import type { KmsStandIn } from '../../support/kms.ts';

/**
 * Reads the Encryption SDK message header by hand, from the published message format
 * (docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html), so the test
 * does not trust the SDK it is checking.
 */
function parseHeader(base64: string) {
  const bytes = Buffer.from(base64, 'base64');
  let at = 0;
  const u8 = () => bytes.readUInt8((at += 1) - 1);
  const u16 = () => bytes.readUInt16BE((at += 2) - 2);
  const take = (length: number) => bytes.subarray(at, (at += length));

  const version = u8();
  if (version === 0x01) assert.equal(u8(), 0x80, 'v1 message type is customer authenticated encrypted data');
  const suiteId = u16();
  take(version === 0x01 ? 16 : 32); // message ID
  const aadLength = u16();
  const aadEnd = at + aadLength;
  const encryptionContext: Record<string, string> = {};
  if (aadLength > 0) {
    const pairs = u16();
    for (let i = 0; i < pairs; i++) {
      const key = take(u16()).toString('utf8');
      encryptionContext[key] = take(u16()).toString('utf8');
    }
  }
  assert.equal(at, aadEnd, 'AAD length matches its pairs');
  const dataKeys: { providerId: string; providerInfo: string }[] = [];
  const edkCount = u16();
  for (let i = 0; i < edkCount; i++) {
    const providerId = take(u16()).toString('utf8');
    const providerInfo = take(u16()).toString('utf8');
    take(u16());
    dataKeys.push({ providerId, providerInfo });
  }
  const contentType = u8();
  return { version, suiteId, encryptionContext, dataKeys, contentType };
}

describe('encryptCognitoCode', () => {
  let kms: KmsStandIn;
  let keyArn: string;

  before(async () => {
    kms = await startTestKms();
    keyArn = kms.createKey();
  });

  after(() => kms.close());

  it('produces a Cognito-format message: v1, suite 0x0378, userpool-id context, one KMS data key', async () => {
    // Act
    const code = await encryptCognitoCode({
      plaintext: '123456',
      keyArn,
      userPoolId: 'eu-west-1_AbCdEf123',
      kmsEndpoint: kms.url,
    });

    // Assess
    const header = parseHeader(code);
    assert.equal(header.version, 0x01);
    assert.equal(header.suiteId, 0x0378);
    assert.equal(header.encryptionContext['userpool-id'], 'eu-west-1_AbCdEf123');
    assert.ok(header.encryptionContext['aws-crypto-public-key'], 'signed suites carry the public key');
    assert.deepEqual(Object.keys(header.encryptionContext).sort(), ['aws-crypto-public-key', 'userpool-id']);
    assert.deepEqual(header.dataKeys, [{ providerId: 'aws-kms', providerInfo: keyArn }]);
    assert.equal(header.contentType, 0x02, 'framed content');
    assert.match(code, /^AYAD/, 'real Cognito codes start with AYAD (0x01 0x80 0x03 0x78)');
  });

  it('produces an emulator-style message for format v2: v2, suite 0x0578, no userpool-id', async () => {
    // Act
    const code = await encryptCognitoCode({
      plaintext: '123456',
      keyArn,
      userPoolId: 'eu-west-1_AbCdEf123',
      kmsEndpoint: kms.url,
      format: 'v2',
    });

    // Assess
    const header = parseHeader(code);
    assert.equal(header.version, 0x02);
    assert.equal(header.suiteId, 0x0578);
    assert.equal(header.encryptionContext['userpool-id'], undefined);
    assert.deepEqual(header.dataKeys, [{ providerId: 'aws-kms', providerInfo: keyArn }]);
  });

  it('reaches KMS through AWS_ENDPOINT_URL_KMS when no endpoint is given', async () => {
    // Prepare
    const before = kms.calls.GenerateDataKey ?? 0;
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;

    // Act
    try {
      await encryptCognitoCode({ plaintext: '1', keyArn, userPoolId: 'eu-west-1_AbCdEf123' });
    } finally {
      delete process.env.AWS_ENDPOINT_URL_KMS;
    }

    // Assess
    assert.equal(kms.calls.GenerateDataKey, before + 1);
  });
});
