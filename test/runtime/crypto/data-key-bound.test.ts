/**
 * How many encrypted data keys a code may carry. Real Cognito writes one; cognito-local's keyring
 * (a generator alias plus a key id) writes two for the same key. The messages here are made by the
 * official Encryption SDK's own KMS keyring, the way cognito-local makes them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommitmentPolicy, KmsKeyringNode, buildClient } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { createDecryptor, type Decryptor } from '../../../src/runtime/crypto/decrypt.ts';
import { parseEvent } from '../../../src/runtime/cognito/event.ts';
import { DecryptError, EventError } from '../../../src/runtime/errors.ts';
import { startTestKms, totalKmsCalls, type KmsStandIn } from '../../support/kms.ts';

const POOL = 'eu-west-1_AbCdEf123';
// cognito-local's client: REQUIRE_ENCRYPT_ALLOW_DECRYPT (format v2, suite 0x0578, no context).
const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);

describe('encrypted data keys per code', () => {
  let kms: KmsStandIn;
  let sdkKms: KMS;
  let keyArn: string;
  let decryptor: Decryptor;

  before(async () => {
    kms = await startTestKms();
    sdkKms = new KMS({ region: kms.region, endpoint: kms.url });
    keyArn = kms.createKey();
    // The relay's own default client, found the way the deployed function finds KMS.
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;
    decryptor = createDecryptor({ keyArn });
  });

  after(async () => {
    delete process.env.AWS_ENDPOINT_URL_KMS;
    sdkKms.destroy();
    await kms.close();
  });

  /** A message whose data keys are, in order, for `generator` then each of `others`. */
  async function encryptUnder(plaintext: string, generator: string, others: string[]): Promise<string> {
    const keyring = new KmsKeyringNode({ generatorKeyId: generator, keyIds: others, clientProvider: () => sdkKms });
    const { result, messageHeader } = await encrypt(keyring, plaintext);
    assert.equal(messageHeader.encryptedDataKeys.length, 1 + others.length);
    return result.toString('base64');
  }

  function emailEvent(code: string) {
    return {
      version: '0',
      triggerSource: 'CustomEmailSender_SignUp',
      region: 'eu-west-1',
      userPoolId: POOL,
      userName: 'ada',
      callerContext: { clientId: 'client' },
      request: { type: 'customEmailSenderRequestV1', code, clientMetadata: null, userAttributes: { email: 'ada@example.com' } },
    };
  }

  it('decrypts a cognito-local style code (a generator key id and a key ARN, both for KMS_KEY_ARN) with one KMS call', async () => {
    // Prepare: the generator named by bare key id, like cognito-local's alias; KMS answers with the ARN.
    const keyId = keyArn.split('/').pop()!;
    const code = await encryptUnder('204611', keyId, [keyArn]);
    const decryptsBefore = kms.calls.Decrypt ?? 0;

    // Act
    const plaintext = await decryptor.decrypt(code, POOL);

    // Assess
    assert.equal(plaintext, '204611');
    assert.equal((kms.calls.Decrypt ?? 0) - decryptsBefore, 1, 'the first matching data key is enough');
    assert.equal(parseEvent(emailEvent(code)).encryptedCode, code, 'the event check accepts it too');
  });

  it('tries only the data key for KMS_KEY_ARN when a foreign key comes first', async () => {
    // Prepare
    const foreignArn = kms.createKey();
    const code = await encryptUnder('550913', foreignArn, [keyArn]);
    // Trying the foreign key now costs a refused KMS call, which the count below would show.
    kms.deny(foreignArn);
    const decryptsBefore = kms.calls.Decrypt ?? 0;

    // Act
    const plaintext = await decryptor.decrypt(code, POOL);

    // Assess: one Decrypt, for our key.
    assert.equal(plaintext, '550913');
    assert.equal((kms.calls.Decrypt ?? 0) - decryptsBefore, 1);
  });

  it('accepts three data keys and refuses four', async () => {
    // Prepare
    const three = await encryptUnder('300001', keyArn, [keyArn, keyArn]);
    const four = await encryptUnder('400001', keyArn, [keyArn, keyArn, keyArn]);

    // Act & Assess
    assert.equal(await decryptor.decrypt(three, POOL), '300001');
    await assert.rejects(decryptor.decrypt(four, POOL), (error) => {
      assert.ok(error instanceof DecryptError);
      assert.equal(error.code, 'MALFORMED_CIPHERTEXT');
      return true;
    });
  });

  it('refuses a code stuffed with ten data keys before any KMS call, in the decryptor and in the event check', async () => {
    // Prepare
    const code = await encryptUnder('999999', keyArn, Array.from({ length: 9 }, () => keyArn));
    const callsBefore = totalKmsCalls(kms);

    // Act & Assess
    await assert.rejects(decryptor.decrypt(code, POOL), (error) => {
      assert.ok(error instanceof DecryptError);
      assert.equal(error.code, 'MALFORMED_CIPHERTEXT');
      assert.match(error.message, /maxEncryptedDataKeys/);
      assert.ok(!error.message.includes(code.slice(0, 24)), 'the ciphertext is not echoed');
      return true;
    });
    assert.throws(
      () => parseEvent(emailEvent(code)),
      (error) => {
        assert.ok(error instanceof EventError);
        assert.match(error.message, /request\.code.*more than 3 encrypted data keys/);
        return true;
      },
    );
    assert.equal(totalKmsCalls(kms), callsBefore, 'no KMS call at all');
  });
});
