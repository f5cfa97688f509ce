import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecryptor } from '../../src/runtime/crypto/decrypt.ts';
import { DecryptError } from '../../src/runtime/errors.ts';
import { WARMUP_KEY_ARN, WARMUP_MESSAGE } from '../../src/runtime/crypto/fast-ecc-warmup.ts';
import { encryptCognitoCode, startTestKms, totalKmsCalls } from '../support/kms.ts';
import type { KmsStandIn } from '../support/kms.ts';

const POOL = 'eu-west-1_AbCdEf123';

describe('decryptor prime()', () => {
  let kms: KmsStandIn;
  let keyArn: string;
  before(async () => {
    kms = await startTestKms();
    keyArn = kms.createKey();
  });
  after(() => kms.close());

  it('decrypts the built-in warm-up message without any request to KMS', async () => {
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });
    const before = totalKmsCalls(kms);
    assert.equal(await decryptor.prime(), true);
    assert.equal(totalKmsCalls(kms), before, 'the warm-up must never reach a KMS endpoint');
    assert.equal(kms.connections, 0);
  });

  it('leaves the real decryptor as strict as before: the warm-up message is refused by it', async () => {
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });
    await decryptor.prime();
    // Encrypted under the throwaway key, not KMS_KEY_ARN: the relay's keyring must not accept it.
    await assert.rejects(decryptor.decrypt(WARMUP_MESSAGE, 'us-east-1_warmup'), (error: unknown) => {
      assert.ok(error instanceof DecryptError);
      assert.equal(error.code, 'WRONG_KEY');
      assert.ok(error.message.includes(WARMUP_KEY_ARN));
      return true;
    });
    const code = await encryptCognitoCode({ plaintext: '424242', keyArn, userPoolId: POOL, kmsEndpoint: kms.url });
    assert.equal(await decryptor.decrypt(code, POOL), '424242');
  });
});
