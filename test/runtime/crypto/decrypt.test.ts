import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KMSClient } from '@aws-sdk/client-kms';
import fc from 'fast-check';
import { createDecryptor } from '../../../src/runtime/crypto/decrypt.ts';
import { DecryptError } from '../../../src/runtime/errors.ts';
import { encryptCognitoCode, kmsClientFor, startKmsStandIn, startTestKms, totalKmsCalls } from '../../support/kms.ts';
import type { KmsStandIn } from '../../support/kms.ts';

const POOL = 'eu-west-1_AbCdEf123';
const OTHER_POOL = 'eu-west-1_ZzZzZz999';

/** Asserts a DecryptError with `code`, whose message leaks neither the ciphertext nor the plaintext. */
function decryptFailure(code: string, secrets: string[], message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DecryptError, `expected DecryptError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    for (const secret of secrets.filter((text) => text.length > 0)) {
      assert.ok(!error.message.includes(secret), 'message must not contain the code or its plaintext');
      assert.ok(!error.message.includes(secret.slice(0, 24)), 'message must not contain part of the code');
    }
    return true;
  };
}

describe('createDecryptor', () => {
  let kms: KmsStandIn;
  let client: KMSClient;
  let keyArn: string;

  before(async () => {
    kms = await startTestKms();
    client = kmsClientFor(kms);
    keyArn = kms.createKey();
  });

  after(async () => {
    client.destroy();
    await kms.close();
  });

  const encrypt = (plaintext: string, options: { key?: string; pool?: string; format?: 'cognito' | 'v2' } = {}) =>
    encryptCognitoCode({
      plaintext,
      keyArn: options.key ?? keyArn,
      userPoolId: options.pool ?? POOL,
      kmsEndpoint: kms.url,
      format: options.format,
    });

  it('decrypts a Cognito-format code (v1, suite 0x0378, userpool-id context)', async () => {
    // Prepare
    const code = await encrypt('483920');
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act
    const plaintext = await decryptor.decrypt(code, POOL);

    // Assess
    assert.equal(plaintext, '483920');
  });

  it('decrypts an emulator-style v2 code (suite 0x0578, no context) for any pool', async () => {
    // Prepare
    const code = await encrypt('Tmp-Pass&word<1>', { format: 'v2' });
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act
    const plaintext = await decryptor.decrypt(code, OTHER_POOL);

    // Assess
    assert.equal(plaintext, 'Tmp-Pass&word<1>');
  });

  it('returns each caller its own code when decrypting concurrently', async () => {
    // Prepare
    const plaintexts = Array.from({ length: 12 }, (_, i) => `code-${i}`);
    const codes = await Promise.all(plaintexts.map((p) => encrypt(p)));
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act
    const results = await Promise.all(codes.map((code) => decryptor.decrypt(code, POOL)));

    // Assess
    assert.deepEqual(results, plaintexts);
  });

  it('rejects a code bound to another user pool with CONTEXT_MISMATCH', async () => {
    // Prepare
    const code = await encrypt('850417', { pool: OTHER_POOL });
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act & Assess
    await assert.rejects(
      decryptor.decrypt(code, POOL),
      decryptFailure('CONTEXT_MISMATCH', [code, '850417'], new RegExp(`${OTHER_POOL}.*${POOL}`)),
    );
  });

  it('rejects a code made under another key with WRONG_KEY, naming both keys, without calling KMS', async () => {
    // Prepare
    const otherKeyArn = kms.createKey();
    const code = await encrypt('908172', { key: otherKeyArn });
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });
    const decryptsBefore = kms.calls.Decrypt ?? 0;

    // Act & Assess
    await assert.rejects(decryptor.decrypt(code, POOL), (error) => {
      decryptFailure('WRONG_KEY', [code, '908172'])(error);
      const message = (error as Error).message;
      assert.ok(message.includes(otherKeyArn), 'names the key the code was encrypted under');
      assert.ok(message.includes(`KMS_KEY_ARN=${keyArn}`), 'names the configured key');
      return true;
    });
    assert.equal(kms.calls.Decrypt ?? 0, decryptsBefore, 'the keyring never sends a foreign data key to KMS');
  });

  it('says the role lacks kms:Decrypt (KMS_ACCESS_DENIED) when KMS denies access', async () => {
    // Prepare
    const deniedKeyArn = kms.createKey();
    const code = await encrypt('719304', { key: deniedKeyArn });
    kms.deny(deniedKeyArn);
    const decryptor = createDecryptor({ keyArn: deniedKeyArn, endpoint: kms.url });

    // Act & Assess
    await assert.rejects(
      decryptor.decrypt(code, POOL),
      decryptFailure('KMS_ACCESS_DENIED', [code, '719304'], /lacks kms:Decrypt on arn:aws:kms:.*key policy/),
    );
  });

  it('says the key is disabled (KMS_KEY_UNUSABLE) when KMS reports it disabled', async () => {
    // Prepare
    const disabledKeyArn = kms.createKey();
    const code = await encrypt('640259', { key: disabledKeyArn });
    kms.disable(disabledKeyArn);
    const decryptor = createDecryptor({ keyArn: disabledKeyArn, endpoint: kms.url });

    // Act & Assess
    await assert.rejects(
      decryptor.decrypt(code, POOL),
      decryptFailure('KMS_KEY_UNUSABLE', [code, '640259'], /disabled.*enable-key/),
    );
  });

  it('rejects truncated codes with MALFORMED_CIPHERTEXT', async () => {
    // Prepare
    const code = await encrypt('581936');
    const bytes = Buffer.from(code, 'base64');
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act & Assess: cut inside the header, the body and the trailing signature
    for (const length of [1, 30, 120, bytes.length - 110, bytes.length - 20, bytes.length - 1]) {
      const truncated = bytes.subarray(0, length).toString('base64');
      await assert.rejects(
        decryptor.decrypt(truncated, POOL),
        decryptFailure('MALFORMED_CIPHERTEXT', [truncated, code, '581936']),
        `cut at ${length} of ${bytes.length}`,
      );
    }
  });

  it('rejects garbled codes with MALFORMED_CIPHERTEXT', async () => {
    // Prepare
    const code = await encrypt('470685');
    const bytes = Buffer.from(code, 'base64');
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act & Assess: flip one bit in the version, the suite, the context, the body and the signature
    for (const position of [0, 3, 40, bytes.length - 120, bytes.length - 60, bytes.length - 5]) {
      const garbled = Buffer.from(bytes);
      garbled[position]! ^= 0x01;
      const text = garbled.toString('base64');
      await assert.rejects(
        decryptor.decrypt(text, POOL),
        decryptFailure('MALFORMED_CIPHERTEXT', [text, code, '470685']),
        `bit flipped at ${position} of ${bytes.length}`,
      );
    }
  });

  it('rejects a code whose data key does not name a key ARN with MALFORMED_CIPHERTEXT', async () => {
    // Prepare
    const code = await encrypt('395071');
    const bytes = Buffer.from(code, 'base64');
    const at = bytes.indexOf(':key/');
    bytes.write(':kdy/', at);
    const damaged = bytes.toString('base64');
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });

    // Act & Assess
    await assert.rejects(
      decryptor.decrypt(damaged, POOL),
      decryptFailure('MALFORMED_CIPHERTEXT', [damaged, code, '395071'], /does not name a KMS key ARN/),
    );
  });

  it('rejects codes that are not base64, empty, or random bytes with MALFORMED_CIPHERTEXT', async () => {
    // Prepare
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });
    const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');

    // Act & Assess
    for (const code of ['', 'not base64!', '{"a":1}', random]) {
      await assert.rejects(decryptor.decrypt(code, POOL), decryptFailure('MALFORMED_CIPHERTEXT', [code]));
    }
  });

  it('refuses a key ID, an alias or nothing (KEY_ARN_INVALID) before any KMS call', async () => {
    // Prepare
    const fresh = await startKmsStandIn({ region: kms.region });
    const keyId = fresh.createKey().split('/')[1] ?? '';

    // Act & Assess
    try {
      assert.throws(
        () => createDecryptor({ keyArn: keyId }),
        decryptFailure('KEY_ARN_INVALID', [], /bare key ID, not a key ARN.*arn:aws:kms:/),
      );
      assert.throws(
        () => createDecryptor({ keyArn: 'alias/cognito-relay' }),
        decryptFailure('KEY_ARN_INVALID', [], /alias.*describe-key/),
      );
      assert.throws(
        () => createDecryptor({ keyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/cognito-relay' }),
        decryptFailure('KEY_ARN_INVALID', [], /alias/),
      );
      assert.throws(() => createDecryptor({ keyArn: '' }), decryptFailure('KEY_ARN_INVALID', [], /not set/));
      assert.throws(
        () => createDecryptor({ keyArn: ` ${fresh.createKey()}` }),
        decryptFailure('KEY_ARN_INVALID', [], /whitespace/),
      );
      assert.equal(totalKmsCalls(fresh), 0);
    } finally {
      await fresh.close();
    }
  });

  it('accepts a multi-region key ARN', () => {
    // Act & Assess
    assert.doesNotThrow(() =>
      createDecryptor({
        keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
        endpoint: kms.url,
      }),
    );
  });

  it('reports KMS_UNAVAILABLE when KMS cannot be reached', async () => {
    // Prepare
    const gone = await startKmsStandIn({ region: kms.region });
    const goneKeyArn = gone.createKey();
    const code = await encryptCognitoCode({ plaintext: '206948', keyArn: goneKeyArn, userPoolId: POOL, kmsEndpoint: gone.url });
    const goneClient = kmsClientFor(gone);
    await gone.close();
    const decryptor = createDecryptor({ keyArn: goneKeyArn, endpoint: gone.url });

    // Act & Assess
    try {
      await assert.rejects(decryptor.decrypt(code, POOL), decryptFailure('KMS_UNAVAILABLE', [code, '206948']));
    } finally {
      goneClient.destroy();
    }
  });
});

describe('createDecryptor without an injected client', () => {
  let kms: KmsStandIn;
  let keyArn: string;

  before(async () => {
    kms = await startTestKms();
    keyArn = kms.createKey();
  });

  after(() => kms.close());

  it('reaches the KMS named by AWS_ENDPOINT_URL_KMS alone and reuses one connection', async () => {
    // Prepare
    const codes = [await encrypt(kms, keyArn, '101010'), await encrypt(kms, keyArn, '202020')];
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;
    const decryptsBefore = kms.calls.Decrypt ?? 0;
    const connectionsBefore = kms.connections;

    // Act
    let results: string[];
    try {
      const decryptor = createDecryptor({ keyArn });
      results = [];
      for (const code of [...codes, ...codes]) results.push(await decryptor.decrypt(code, POOL));
    } finally {
      delete process.env.AWS_ENDPOINT_URL_KMS;
    }

    // Assess
    assert.deepEqual(results, ['101010', '202020', '101010', '202020']);
    assert.equal(kms.calls.Decrypt, decryptsBefore + 4);
    assert.equal(kms.connections - connectionsBefore, 1, 'keep-alive: four decrypts over one TCP connection');
  });

  it('signs for the key ARN region even when AWS_REGION differs', async () => {
    // Prepare
    const code = await encrypt(kms, keyArn, '303030');
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;
    process.env.AWS_REGION = 'us-east-1';

    // Act
    let plaintext: string;
    try {
      plaintext = await createDecryptor({ keyArn }).decrypt(code, POOL);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_KMS;
      process.env.AWS_REGION = kms.region;
    }

    // Assess
    assert.equal(plaintext, '303030');
  });
});

function encrypt(kms: KmsStandIn, keyArn: string, plaintext: string): Promise<string> {
  return encryptCognitoCode({ plaintext, keyArn, userPoolId: POOL, kmsEndpoint: kms.url });
}

describe('createDecryptor on damaged codes', () => {
  let kms: KmsStandIn;
  let client: KMSClient;

  before(async () => {
    kms = await startTestKms();
    client = kmsClientFor(kms);
  });

  after(async () => {
    client.destroy();
    await kms.close();
  });

  it('never returns a plaintext or an unexplained error when a code is cut or has a bit flipped', async () => {
    // Prepare
    const keyArn = kms.createKey();
    const decryptor = createDecryptor({ keyArn, endpoint: kms.url });
    const original = Buffer.from(
      await encryptCognitoCode({ plaintext: '731846', keyArn, userPoolId: POOL, kmsEndpoint: kms.url }),
      'base64',
    );
    const damage = fc.oneof(
      fc.integer({ min: 0, max: original.length - 1 }).map((length) => original.subarray(0, length)),
      fc
        .record({ at: fc.integer({ min: 0, max: original.length - 1 }), bit: fc.integer({ min: 0, max: 7 }) })
        .map(({ at, bit }) => {
          const copy = Buffer.from(original);
          copy[at]! ^= 1 << bit;
          return copy;
        }),
    );

    // Act & Assess
    await fc.assert(
      fc.asyncProperty(damage, async (bytes) => {
        const code = bytes.toString('base64');
        const error = await decryptor.decrypt(code, POOL).then(
          () => assert.fail('a damaged code must not decrypt'),
          (rejection: unknown) => rejection,
        );
        assert.ok(error instanceof DecryptError, `expected DecryptError, got ${String(error)}`);
        // A flip inside the data key's ARN can still leave a well-formed ARN of another key.
        assert.ok(['MALFORMED_CIPHERTEXT', 'WRONG_KEY'].includes(error.code), error.message);
        assert.ok(!error.message.includes('731846'));
      }),
      { numRuns: 120 },
    );
  });
});
