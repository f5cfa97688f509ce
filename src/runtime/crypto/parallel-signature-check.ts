/**
 * The message's ECDSA signature check, started in libuv's thread pool before the KMS Decrypt
 * request leaves, so that it runs while the relay waits for KMS instead of after it.
 *
 * Why: Cognito signs every code with ECDSA P-384 (suite 0x0378); OpenSSL verifies that in about
 * 1 ms, the largest single cost of a warm invocation. The Encryption SDK verifies it last, after
 * the KMS round trip and the body decryption, on the main thread. Nothing in that check depends on
 * KMS: the signed bytes, the signature and the public key are all in the message. So:
 *
 *   1. `startParallelSignatureCheck(shape)` takes the header the event check read with the SDK's
 *      own parser (`@aws-crypto/serialize`, cognito/ciphertext-shape.ts), the public key from its
 *      encryption context exactly as the SDK does (same decompression and PEM modules), the
 *      signature from the footer, and calls `crypto.verify(hash, signedBytes, key, signature,
 *      callback)`: the thread-pool form of the very call the SDK makes.
 *   2. The keyring's KMS call does not return to the SDK before that check has settled
 *      (decrypt.ts), so the answer is ready when the SDK asks.
 *   3. The SDK still asks: in the Lambda bundle, the `crypto.createVerify` its material helpers
 *      use is `createVerify` below (scripts/esbuild-plugins/replaced-internals.mjs). It collects
 *      what the SDK feeds it and, at `verify(key, signature)`, returns the parallel answer only if
 *      the hash, every signed byte, the key and the signature are identical to what was checked;
 *      otherwise (no parallel check, not settled, anything different) it verifies right there,
 *      as `crypto.createVerify` would. The SDK's decision and its error stay the SDK's.
 *
 * So this changes when the signature is checked, never what is checked or what follows from it;
 * test/perf/native-ecc.test.ts proves the bundled decryptor accepts and refuses exactly what the
 * official SDK does.
 */
import { KeyObject, verify as oneShotVerify, webcrypto, type KeyLike } from 'node:crypto';
import type { CiphertextShape } from '../cognito/ciphertext-shape.ts';
import { decodeNamedCurves } from './fast-ecc-decode.ts';
import { publicKeyPem } from './fast-ecc-pem.ts';

/** The encryption-context key under which the SDK stores the message's compressed public key. */
const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

interface ParallelCheck {
  hash: string;
  signedBytes: Buffer;
  publicKey: string;
  /** The same key as an uncompressed point, and its curve's WebCrypto name. */
  point: Uint8Array;
  namedCurve: 'P-256' | 'P-384';
  signature: Buffer;
  /** Set when OpenSSL has answered; undefined while the thread pool works, or if it failed. */
  result: boolean | undefined;
}

/** Checks in progress, by signature; a handful at most (one per decrypt in flight). */
const checks = new Map<string, ParallelCheck>();
/**
 * True once the SDK's material helpers use `createVerify` below, i.e. in the Lambda bundle.
 * Elsewhere (tests run from source, the npm package's unbundled modules) the SDK verifies on its
 * own and a parallel check would only double the work, so none is started.
 */
let sdkAsksHere = false;
export function markSdkVerifiesThroughParallelChecks(): void {
  sdkAsksHere = true;
}

export interface StartedSignatureCheck {
  /** Resolves (never rejects) once OpenSSL has answered. */
  settled: Promise<void>;
  /** Forgets the check; call when the decrypt is over, whatever its outcome. */
  release(): void;
}

/**
 * Starts the signature check of an Encryption SDK message in the thread pool, from the shape
 * the event check already read (the SDK's header parser, the footer's offset). Returns undefined
 * when the message is unsigned or was not read whole: the SDK then does everything, and reports
 * what is wrong, as usual.
 */
export function startParallelSignatureCheck(shape: CiphertextShape): StartedSignatureCheck | undefined {
  if (!sdkAsksHere) return undefined;
  const check = signedParts(shape);
  if (check === undefined) return undefined;
  const id = check.signature.toString('base64');
  // The same message twice at once (a retried event): the first check answers for both once it
  // has settled; before that the second decrypt verifies on the spot.
  if (checks.has(id)) return undefined;
  checks.set(id, check);
  const settled = importPublicKey(check)
    .then(
      (key) =>
        new Promise<void>((resolve) => {
          oneShotVerify(check.hash, check.signedBytes, key, check.signature, (error, valid) => {
            if (!error) check.result = valid;
            resolve();
          });
        }),
    )
    .catch(() => undefined);
  return {
    settled,
    release: () => {
      if (checks.get(id) === check) checks.delete(id);
    },
  };
}

/**
 * The key as a KeyObject, from the raw point: WebCrypto's raw EC import reads the point directly
 * (~0.09 ms), where OpenSSL's PEM decoder takes ~0.16 ms of the main thread. OpenSSL refuses a
 * point that is not on the curve either way; then the SDK verifies (and refuses) on its own.
 */
async function importPublicKey(check: ParallelCheck): Promise<KeyObject> {
  const cryptoKey = await webcrypto.subtle.importKey('raw', check.point, { name: 'ECDSA', namedCurve: check.namedCurve }, true, ['verify']);
  return KeyObject.from(cryptoKey);
}

function signedParts({ message, header, footerStart }: CiphertextShape): ParallelCheck | undefined {
  if (header === undefined || footerStart === undefined) return undefined;
  try {
    const { signatureHash, signatureCurve } = header.algorithmSuite;
    const compressed = header.messageHeader.encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
    if (!signatureHash || !signatureCurve || compressed === undefined) return undefined;
    // The same decompression and PEM writer the SDK's VerificationKey uses in this bundle.
    const point = decodeNamedCurves[signatureCurve](Buffer.from(compressed, 'base64'));
    return {
      hash: signatureHash,
      signedBytes: message.subarray(0, footerStart),
      publicKey: publicKeyPem(signatureCurve, point),
      point,
      namedCurve: signatureCurve === 'secp384r1' ? 'P-384' : 'P-256',
      signature: message.subarray(footerStart + 2),
      result: undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * Stands in for `crypto.createVerify` inside the Encryption SDK's material helpers (Lambda
 * bundle only). Only the two methods the SDK calls, with `crypto.Verify`'s meaning.
 */
export function createVerify(hash: string): { update(data: Uint8Array): unknown; verify(key: KeyLike, signature: Uint8Array): boolean } {
  const chunks: Buffer[] = [];
  const self = {
    update(data: Uint8Array) {
      chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return self;
    },
    verify(key: KeyLike, signature: Uint8Array): boolean {
      const signedBytes = Buffer.concat(chunks);
      const signatureBytes = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
      const check = checks.get(signatureBytes.toString('base64'));
      if (
        check !== undefined &&
        check.result !== undefined &&
        check.hash === hash &&
        check.publicKey === key &&
        check.signature.equals(signatureBytes) &&
        check.signedBytes.equals(signedBytes)
      ) {
        return check.result;
      }
      return oneShotVerify(hash, signedBytes, key, signatureBytes);
    },
  };
  return self;
}
