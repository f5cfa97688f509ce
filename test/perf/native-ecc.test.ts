/**
 * The Lambda bundle replaces parts of the Encryption SDK's dependencies: point decompression, the
 * PEM writer, bn.js, and readable-stream by Node's own streams
 * (scripts/esbuild-plugins/replaced-internals.mjs). These tests prove the replacements change
 * speed and size only:
 * - the replacements return exactly what the SDK's own modules return, on many random inputs,
 *   and the PEM text is what OpenSSL (`node:crypto`) writes for the same key;
 * - the decryptor bundled with the Lambda's build options decrypts many Cognito-format messages
 *   to the same plaintexts as the official, unmodified SDK (`@aws-crypto/client-node`), and
 *   refuses every tampered or truncated message the official SDK refuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import fc from 'fast-check';
import { CommitmentPolicy, KmsKeyringNode, buildClient } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
// The SDK's own modules, as the unbundled SDK loads them.
import { decodeNamedCurves as sdkDecode } from '@aws-crypto/material-management/build/main/src/ecc_decode.js';
import * as sdkPem from '@aws-crypto/material-management/build/main/src/pem_helpers.js';
import { decodeNamedCurves as nativeDecode } from '../../src/runtime/crypto/fast-ecc-decode.ts';
import * as nativePem from '../../src/runtime/crypto/fast-ecc-pem.ts';
import StandInBN from '../../src/runtime/crypto/fast-ecc-bn.ts';
import type { Decryptor, DecryptorOptions } from '../../src/runtime/crypto/decrypt.ts';
import { encryptCognitoCode, startTestKms, type KmsStandIn } from '../support/kms.ts';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { lambdaBuildOptions } from '../../scripts/esbuild-plugins/lambda-options.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The real bn.js, as the unbundled SDK loads it. */
const RealBN = createRequire(import.meta.url)('bn.js') as new (number: number | number[], base?: number | string, endian?: string) => {
  toArray(endian: string, length?: number): number[];
  toNumber(): number;
  mod(other: unknown): { toNumber(): number };
};
const CURVES = [
  { name: 'prime256v1', fieldBytes: 32 },
  { name: 'secp384r1', fieldBytes: 48 },
] as const;
const POOL = 'eu-west-1_AbCdEf123';

/** A valid private scalar for the curve, or null (0 and values ≥ the order are refused by OpenSSL). */
function publicKeyFor(curve: string, secret: Uint8Array): { compressed: Buffer; uncompressed: Buffer; privateKey: Buffer } | null {
  const ecdh = createECDH(curve);
  try {
    ecdh.setPrivateKey(Buffer.from(secret));
  } catch {
    return null;
  }
  return {
    compressed: ecdh.getPublicKey(null, 'compressed'),
    uncompressed: ecdh.getPublicKey(null, 'uncompressed'),
    privateKey: ecdh.getPrivateKey(),
  };
}

function sdkDecodeOrError(curve: 'prime256v1' | 'secp384r1', point: Uint8Array): Uint8Array | Error {
  try {
    return sdkDecode[curve](point);
  } catch (error) {
    return error as Error;
  }
}

describe('the native ECC modules', () => {
  it('export the same names and curves as the SDK modules they replace', () => {
    // Assess
    assert.deepEqual(Object.keys(nativeDecode).sort(), Object.keys(sdkDecode).sort());
    assert.ok(Object.isFrozen(nativeDecode));
    for (const name of Object.keys(sdkPem).filter((n) => n !== '__esModule' && n !== 'default')) {
      assert.equal(typeof (nativePem as Record<string, unknown>)[name], 'function', `fast-ecc-pem lacks ${name}`);
    }
  });

  for (const { name: curve, fieldBytes } of CURVES) {
    it(`decompresses every valid ${curve} point to the same bytes as the SDK's bn.js code`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: fieldBytes, maxLength: fieldBytes }), (secret) => {
          const key = publicKeyFor(curve, secret);
          fc.pre(key !== null);
          const point = new Uint8Array(key!.compressed);

          // Act
          const expected = sdkDecode[curve](point);
          const actual = nativeDecode[curve](point);

          // Assess
          assert.ok(actual instanceof Uint8Array && !Buffer.isBuffer(actual), 'a plain Uint8Array, like the SDK');
          assert.deepEqual(Buffer.from(actual), Buffer.from(expected));
          assert.deepEqual(Buffer.from(actual), key!.uncompressed);
        }),
        { numRuns: 400 },
      );
    });

    it(`refuses every ${curve} x that the SDK's decoded point would fail verification with`, () => {
      fc.assert(
        fc.property(fc.constantFrom(0x02, 0x03), fc.uint8Array({ minLength: fieldBytes, maxLength: fieldBytes }), (prefix, x) => {
          const point = new Uint8Array([prefix, ...x]);
          const sdk = sdkDecodeOrError(curve, point);
          let native: Uint8Array | Error;
          try {
            native = nativeDecode[curve](point);
          } catch (error) {
            native = error as Error;
          }

          // Assess: same point, or the SDK's point is one OpenSSL refuses as a verification key.
          if (native instanceof Error) {
            if (!(sdk instanceof Error)) {
              assert.throws(() => createPublicKey(sdkPem.publicKeyPem(curve, Buffer.from(sdk))), 'the SDK point must not be usable');
            }
          } else {
            assert.ok(!(sdk instanceof Error));
            assert.deepEqual(Buffer.from(native), Buffer.from(sdk));
          }
        }),
        { numRuns: 300 },
      );
    });

    it(`refuses ${curve} points of the wrong length or prefix, as the SDK does`, () => {
      const key = publicKeyFor(curve, randomBytes(fieldBytes - 1))!;
      const cases = [
        key.compressed.subarray(0, fieldBytes),
        Buffer.concat([key.compressed, Buffer.from([0])]),
        key.uncompressed,
        Buffer.concat([Buffer.from([0x04]), key.compressed.subarray(1)]),
        Buffer.concat([Buffer.from([0x00]), key.compressed.subarray(1)]),
      ];
      for (const point of cases) {
        // Act + Assess
        assert.ok(sdkDecodeOrError(curve, new Uint8Array(point)) instanceof Error, 'the SDK refuses it');
        assert.throws(() => nativeDecode[curve](new Uint8Array(point)));
      }
      assert.throws(() => nativeDecode[curve](new Uint8Array(cases[0]!)), /Compressed point length is not correct/);
    });

    it(`writes the ${curve} public key PEM that node:crypto exports for the same key`, () => {
      const crv = curve === 'prime256v1' ? 'P-256' : 'P-384';
      fc.assert(
        fc.property(fc.uint8Array({ minLength: fieldBytes, maxLength: fieldBytes }), (secret) => {
          const key = publicKeyFor(curve, secret);
          fc.pre(key !== null);
          const x = key!.uncompressed.subarray(1, 1 + fieldBytes).toString('base64url');
          const y = key!.uncompressed.subarray(1 + fieldBytes).toString('base64url');

          // Act
          const openssl = createPublicKey({ key: { kty: 'EC', crv, x, y }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });

          // Assess
          assert.equal(nativePem.publicKeyPem(curve, key!.uncompressed), openssl);
        }),
        { numRuns: 200 },
      );
    });

    it(`writes the same ${curve} PEM keys as the SDK's asn1.js code`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: fieldBytes, maxLength: fieldBytes }),
          fc.uint8Array({ minLength: 0, maxLength: 300 }),
          (secret, arbitrary) => {
            const key = publicKeyFor(curve, secret);
            fc.pre(key !== null);

            // Assess: real keys, and arbitrary byte strings (DER short and long lengths).
            assert.equal(nativePem.publicKeyPem(curve, key!.uncompressed), sdkPem.publicKeyPem(curve, key!.uncompressed));
            assert.equal(
              nativePem.privateKeyPem(curve, key!.privateKey, key!.compressed),
              sdkPem.privateKeyPem(curve, key!.privateKey, key!.compressed),
            );
            const bytes = Buffer.from(arbitrary);
            assert.equal(nativePem.publicKeyPem(curve, bytes), sdkPem.publicKeyPem(curve, bytes));
            assert.equal(nativePem.privateKeyPem(curve, bytes, bytes), sdkPem.privateKeyPem(curve, bytes, bytes));
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

/** The result of `run`, or the error message it threw. */
function settle<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('the bn.js stand-in', () => {
  it('encodes content lengths as 8 big-endian bytes like bn.js (aad_factory)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.maxSafeNat(), fc.integer({ min: 0, max: 2 ** 32 }), fc.constantFrom(2 ** 53, 2 ** 60, Number.NaN, Infinity)),
        (contentLength) => {
          // Act + Assess: same bytes, or the same refusal.
          assert.deepEqual(
            settle(() => new StandInBN(contentLength).toArray('be', 8)),
            settle(() => new RealBN(contentLength).toArray('be', 8)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reads 8-byte content lengths like bn.js, refusing those of 2^53 and above (decode_body_header)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          // Values around the 2^53 boundary, where bn.js starts refusing.
          fc.bigInt({ min: 2n ** 52n - 5n, max: 2n ** 53n + 5n }).map((v) => Uint8Array.from(Buffer.from(v.toString(16).padStart(16, '0'), 'hex'))),
          fc.uint8Array({ minLength: 0, maxLength: 12 }),
        ),
        (bytes) => {
          // Act + Assess
          assert.deepEqual(settle(() => new StandInBN([...bytes], 16, 'be').toNumber()), settle(() => new RealBN([...bytes], 16, 'be').toNumber()));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('computes the parity of a public key coordinate like bn.js (ecc_encode)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 66 }), (y) => {
        // Act + Assess
        assert.deepEqual(
          settle(() => new StandInBN([...y]).mod(new StandInBN(2)).toNumber()),
          settle(() => new RealBN([...y]).mod(new RealBN(2)).toNumber()),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to write a number into fewer bytes than it needs, like bn.js', () => {
    // Act + Assess
    assert.deepEqual(settle(() => new StandInBN(2 ** 40).toArray('be', 4)), settle(() => new RealBN(2 ** 40).toArray('be', 4)));
    assert.ok('error' in settle(() => new StandInBN(2 ** 40).toArray('be', 4)));
  });
});

describe('the decryptor as bundled for the Lambda', () => {
  let kms: KmsStandIn;
  let keyArn: string;
  let outdir: string;
  let bundled: Decryptor;
  let official: ReturnType<typeof buildClient>;
  let officialKms: KMS;

  before(async () => {
    kms = await startTestKms();
    keyArn = kms.createKey();
    // The bundle builds its own KMS client, the way it does on Lambda: endpoint from the environment.
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;
    // Inside the repository, so the bundle's runtime-provided externals resolve from node_modules.
    outdir = join(root, 'dist', `perf-decryptor-${process.pid}`);
    mkdirSync(outdir, { recursive: true });
    const result = await build({
      ...lambdaBuildOptions(),
      entryPoints: { decrypt: join(root, 'src/runtime/crypto/decrypt.ts') },
      outdir,
      logLevel: 'silent',
    });
    // What actually reached the output (esbuild lists tree-shaken inputs with 0 bytes).
    const shipped = Object.values(result.metafile!.outputs)
      .flatMap((output) => Object.entries(output.inputs))
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    assert.ok(shipped.includes('src/runtime/crypto/fast-ecc-decode.ts'), 'the bundle uses the native decoder');
    assert.ok(shipped.includes('src/runtime/crypto/fast-ecc-pem.ts'), 'the bundle uses the native PEM writer');
    assert.ok(!shipped.some((p) => /material-management\/build\/\w+\/src\/(ecc_decode|pem_helpers)\.js$/.test(p)), 'the SDK modules are gone');
    assert.ok(!shipped.some((p) => p.includes('node_modules/asn1.js/')), 'asn1.js is gone');
    assert.ok(!shipped.some((p) => p.includes('node_modules/bn.js/')), 'bn.js is gone');
    assert.ok(!shipped.some((p) => p.includes('node_modules/readable-stream/')), "readable-stream is gone: Node's streams run the SDK");
    assert.ok(shipped.includes('src/runtime/crypto/esdk-node-crypto.ts'), "the SDK's verifier answers from the parallel signature check");
    const module = (await import(pathToFileURL(join(outdir, 'decrypt.mjs')).href)) as {
      createDecryptor(options: DecryptorOptions): Decryptor;
    };
    bundled = module.createDecryptor({ keyArn });
    official = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
    officialKms = new KMS({ region: kms.region, endpoint: kms.url });
  });

  after(async () => {
    officialKms?.destroy();
    await kms?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  async function officialDecrypt(code: string): Promise<string> {
    const keyring = new KmsKeyringNode({ keyIds: [keyArn], clientProvider: () => officialKms });
    const { plaintext } = await official.decrypt(keyring, Buffer.from(code, 'base64'));
    return Buffer.from(plaintext).toString('utf8');
  }

  const outcome = (promise: Promise<string>) =>
    promise.then(
      (plaintext) => ({ ok: true as const, plaintext }),
      (error: Error) => ({ ok: false as const, error }),
    );

  it('decrypts many Cognito-format messages to the same plaintext as the official SDK', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.stringMatching(/^\d{6}$/), fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' })),
        fc.constantFrom('cognito' as const, 'v2' as const),
        async (plaintext, format) => {
          const code = await encryptCognitoCode({ plaintext, keyArn, userPoolId: POOL, kmsEndpoint: kms.url, format });

          // Act
          const expected = await officialDecrypt(code);
          const actual = await bundled.decrypt(code, POOL);

          // Assess
          assert.equal(expected, plaintext);
          assert.equal(actual, expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('decides each of several codes decrypted at once on its own bytes', async () => {
    const [a, b] = await Promise.all(['314159', '271828'].map((plaintext) => encryptCognitoCode({ plaintext, keyArn, userPoolId: POOL, kmsEndpoint: kms.url })));
    const bytes = Buffer.from(a!, 'base64');
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x01;
    const tampered = bytes.toString('base64');

    // Act: the same message twice, another one and a tampered copy, all in flight together.
    const outcomes = await Promise.all([a!, b!, tampered, a!].map((code) => outcome(bundled.decrypt(code, POOL))));

    // Assess
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.plaintext : 'refused')),
      ['314159', '271828', 'refused', '314159'],
    );
    await assert.rejects(officialDecrypt(tampered));
  });

  it('refuses a message whose signature was altered, like the official SDK', async () => {
    // Prepare: the footer is a 2-byte length and the DER ECDSA signature, at the end.
    const code = Buffer.from(await encryptCognitoCode({ plaintext: '271828', keyArn, userPoolId: POOL, kmsEndpoint: kms.url }), 'base64');
    const tampered = [code.length - 1, code.length - 5, code.length - 20].map((index) => {
      const copy = Buffer.from(code);
      copy[index] = (copy[index] as number) ^ 0x01;
      return copy.toString('base64');
    });

    for (const bad of tampered) {
      // Act
      const official = await outcome(officialDecrypt(bad));
      const ours = await outcome(bundled.decrypt(bad, POOL));

      // Assess
      assert.equal(official.ok, false, 'the official SDK refuses it');
      assert.equal(ours.ok, false, 'the bundle refuses it');
      assert.equal((ours as { error: Error & { code?: string } }).error.name, 'DecryptError');
      assert.equal((ours as { error: Error & { code?: string } }).error.code, 'MALFORMED_CIPHERTEXT');
    }
  });

  it('refuses every truncation of a message, like the official SDK', async () => {
    const code = Buffer.from(await encryptCognitoCode({ plaintext: '314159', keyArn, userPoolId: POOL, kmsEndpoint: kms.url }), 'base64');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: code.length - 1 }), async (length) => {
        const cut = code.subarray(0, length).toString('base64');

        // Act
        const official = await outcome(officialDecrypt(cut));
        const ours = await outcome(bundled.decrypt(cut, POOL));

        // Assess
        assert.equal(official.ok, false, `cut at ${length}: the official SDK refuses it`);
        assert.equal(ours.ok, false, `cut at ${length}: the bundle refuses it`);
        assert.equal((ours as { error: Error }).error.name, 'DecryptError');
      }),
      { numRuns: 60 },
    );
  });

  it('accepts or refuses every single-byte alteration exactly as the official SDK does', async () => {
    const code = Buffer.from(await encryptCognitoCode({ plaintext: '161803', keyArn, userPoolId: POOL, kmsEndpoint: kms.url }), 'base64');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: code.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, mask) => {
        const copy = Buffer.from(code);
        copy[index] = (copy[index] as number) ^ mask;
        const altered = copy.toString('base64');

        // Act
        const official = await outcome(officialDecrypt(altered));
        const ours = await outcome(bundled.decrypt(altered, POOL));

        // Assess
        assert.equal(ours.ok, official.ok, `byte ${index} ^ ${mask}: official ${official.ok ? 'accepted' : 'refused'} it`);
        if (ours.ok && official.ok) assert.equal(ours.plaintext, official.plaintext);
      }),
      { numRuns: 80 },
    );
  });
});
