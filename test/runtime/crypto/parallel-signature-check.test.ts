/**
 * The signature check that runs in the thread pool during the KMS call may only ever answer for
 * exactly the bytes, key and signature it checked; for anything else the Encryption SDK's verify
 * is done on the spot, with `crypto.createVerify`'s answer. (The bundled decryptor against the
 * official SDK, tampered and truncated messages included, is in test/perf/native-ecc.test.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ECDH, createVerify as nodeCreateVerify, generateKeyPairSync, sign } from 'node:crypto';
import { publicKeyPem } from '../../../src/runtime/crypto/fast-ecc-pem.ts';
import {
  createVerify,
  markSdkVerifiesThroughParallelChecks,
  startParallelSignatureCheck,
} from '../../../src/runtime/crypto/parallel-signature-check.ts';
import { readCiphertext } from '../../../src/runtime/cognito/ciphertext-shape.ts';
import { encryptCognitoCode, startTestKms, type KmsStandIn } from '../../support/kms.ts';

const POOL = 'eu-west-1_AbCdEf123';

/** What the SDK feeds its verifier for a signed message: everything before the footer, the key as PEM, the DER signature. */
function signedParts(message: Buffer, compressedKey: string) {
  for (let length = 8; length <= 104; length += 1) {
    const start = message.length - 2 - length;
    if (message.readUInt16BE(start) === length && message[start + 2] === 0x30 && message[start + 3] === length - 2) {
      const point = ECDH.convertKey(Buffer.from(compressedKey, 'base64'), 'secp384r1', undefined, undefined, 'uncompressed') as Buffer;
      return { signedBytes: message.subarray(0, start), signature: message.subarray(start + 2), pem: publicKeyPem('secp384r1', point) };
    }
  }
  throw new Error('no footer');
}

function compressedKeyOf(message: Buffer): string {
  // The encryption context of a Cognito message holds the key as base64 after this name.
  const name = Buffer.from('aws-crypto-public-key');
  const at = message.indexOf(name) + name.length;
  const length = message.readUInt16BE(at);
  return message.subarray(at + 2, at + 2 + length).toString('utf8');
}

describe('createVerify as the Encryption SDK uses it', () => {
  it('answers like crypto.createVerify when no parallel check ran', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const data = [Buffer.from('header'), Buffer.from('frames')];
    const signature = sign('sha384', Buffer.concat(data), privateKey);
    const cases = [
      { data, signature },
      { data: [Buffer.from('header'), Buffer.from('framez')], signature },
      { data, signature: Buffer.concat([signature.subarray(0, -1), Buffer.from([signature.at(-1)! ^ 1])]) },
    ];
    for (const { data: parts, signature: sig } of cases) {
      const ours = createVerify('sha384');
      const node = nodeCreateVerify('sha384');
      for (const part of parts) {
        ours.update(part);
        node.update(part);
      }
      assert.equal(ours.verify(pem, sig), node.verify(pem, sig));
    }
  });
});

describe('the parallel signature check', () => {
  let kms: KmsStandIn;
  let keyArn: string;
  before(async () => {
    kms = await startTestKms();
    keyArn = kms.createKey();
    markSdkVerifiesThroughParallelChecks();
  });
  after(() => kms.close());

  for (const format of ['cognito', 'v2'] as const) {
    it(`answers for the exact bytes it checked, and never for other bytes, keys or signatures (${format} format)`, async () => {
      const message = Buffer.from(await encryptCognitoCode({ plaintext: '123456', keyArn, userPoolId: POOL, kmsEndpoint: kms.url, format }), 'base64');
      const { signedBytes, signature, pem } = signedParts(message, compressedKeyOf(message));
      const check = startParallelSignatureCheck(readCiphertext(message.toString('base64')));
      assert.ok(check, 'a signed Cognito message gets a parallel check');
      await check.settled;
      const sdkVerify = (bytes: Buffer, key: string, sig: Buffer) => {
        const verifier = createVerify('sha384');
        verifier.update(bytes.subarray(0, 10));
        verifier.update(bytes.subarray(10));
        return verifier.verify(key, sig);
      };

      assert.equal(sdkVerify(signedBytes, pem, signature), true, 'the genuine message');
      const altered = Buffer.from(signedBytes);
      altered[altered.length - 1]! ^= 1;
      assert.equal(sdkVerify(altered, pem, signature), false, 'one byte changed after the check');
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      assert.equal(sdkVerify(signedBytes, otherKey, signature), false, 'another key');
      check.release();
      assert.equal(sdkVerify(signedBytes, pem, signature), true, 'after release: verified on the spot');
    });
  }

  it('says a tampered message is invalid, as the SDK would', async () => {
    const message = Buffer.from(await encryptCognitoCode({ plaintext: '654321', keyArn, userPoolId: POOL, kmsEndpoint: kms.url }), 'base64');
    const { signedBytes, signature, pem } = signedParts(message, compressedKeyOf(message));
    const tampered = Buffer.from(message);
    tampered[signedBytes.length - 1]! ^= 1;
    const check = startParallelSignatureCheck(readCiphertext(tampered.toString('base64')));
    assert.ok(check);
    await check.settled;
    const verifier = createVerify('sha384');
    verifier.update(tampered.subarray(0, signedBytes.length));
    assert.equal(verifier.verify(pem, signature), false);
    check.release();
  });

  it('starts nothing for bytes that are not a signed Encryption SDK message', () => {
    assert.equal(startParallelSignatureCheck(readCiphertext(Buffer.from('not a message').toString('base64'))), undefined);
    assert.equal(startParallelSignatureCheck(readCiphertext('')), undefined);
  });
});
