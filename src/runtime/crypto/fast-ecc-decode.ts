/**
 * Drop-in replacement, in the Lambda bundle only, for the Encryption SDK's
 * `@aws-crypto/material-management/src/ecc_decode` (swapped in by
 * scripts/esbuild-plugins/replaced-internals.mjs). Same export, same shape, same bytes out.
 *
 * Why: every signed message (Cognito uses suite 0x0378) carries its ECDSA public key compressed
 * in the encryption context, and the SDK decompresses it with bn.js: ~2.9 ms of JavaScript big-number
 * arithmetic per decrypt. OpenSSL does the same in ~0.1 ms (`ECDH.convertKey`), and dropping
 * bn.js from this path also shortens the cold start.
 *
 * What stays the SDK's: everything around it — the caller still builds the PEM, verifies the
 * signature with `crypto.createVerify`, enforces the commitment policy and filters keys.
 *
 * One difference, on invalid input only: for an x that is not on the curve (or ≥ p) the SDK's
 * bn.js code returns a point that OpenSSL later refuses when the signature is verified; OpenSSL
 * refuses it here instead. Either way the message does not decrypt (test/perf proves both).
 */
import { ECDH } from 'node:crypto';

type Decoder = (compressedPoint: Uint8Array) => Uint8Array;

function nativeDecoder(curve: 'prime256v1' | 'secp384r1', fieldBytes: number): Decoder {
  const compressedLength = 1 + fieldBytes;
  // The last point decoded: the parallel signature check decodes each message's key just before
  // the SDK does (parallel-signature-check.ts). Public keys only; nothing secret is kept.
  let last: { compressed: Buffer; uncompressed: Buffer } | undefined;
  return function decode(compressedPoint: Uint8Array): Uint8Array {
    /* Precondition: compressedPoint must be the correct length. (Same check and message as the SDK.) */
    if (compressedPoint.byteLength !== compressedLength) throw new Error('Compressed point length is not correct.');
    // The SDK only maps 0x02/0x03 and fails on anything else; say why instead of a TypeError.
    const prefix = compressedPoint[0];
    if (prefix !== 0x02 && prefix !== 0x03) throw new Error('Compressed point must start with 0x02 or 0x03.');
    const input = Buffer.from(compressedPoint.buffer, compressedPoint.byteOffset, compressedPoint.byteLength);
    if (last === undefined || !last.compressed.equals(input)) {
      const uncompressed = ECDH.convertKey(input, curve, undefined, undefined, 'uncompressed') as Buffer;
      last = { compressed: Buffer.from(input), uncompressed };
    }
    // A plain Uint8Array of its own, as the SDK returns (not a Buffer view on a shared pool).
    return new Uint8Array(last.uncompressed);
  };
}

const prime256v1 = nativeDecoder('prime256v1', 32);
const secp384r1 = nativeDecoder('secp384r1', 48);

export const decodeNamedCurves: Readonly<Record<'prime256v1' | 'secp384r1' | 'P-256' | 'P-384', Decoder>> = Object.freeze({
  // NodeJS/OpenSSL names
  prime256v1,
  secp384r1,
  // WebCrypto/Browser names
  'P-256': prime256v1,
  'P-384': secp384r1,
});
