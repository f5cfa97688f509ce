/**
 * Drop-in replacement, in the Lambda bundle only, for the Encryption SDK's
 * `@aws-crypto/material-management/src/pem_helpers` (swapped in by
 * scripts/esbuild-plugins/replaced-internals.mjs): the same PEM text, byte for byte, without asn1.js.
 *
 * The SDK's own comment on that module says it exists for Node.js < 11 and "can be deleted";
 * it pulls asn1.js and a second copy of bn.js (~68 KB minified) into the cold start to write
 * two fixed DER structures.
 *
 * Why not `createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })`:
 * it writes the same text (test/perf/native-ecc.test.ts compares them on random P-256 and P-384
 * keys), but importing a JWK validates the point with a scalar multiplication: 1.7 ms per call
 * against 0.02 ms here (P-384, this project's 2-core CI machine), on every decrypt, while OpenSSL
 * validates the key anyway when the SDK verifies the signature with this PEM. So the two DER
 * structures are written directly:
 *
 *   SubjectPublicKeyInfo  SEQUENCE { SEQUENCE { OID ecPublicKey, OID curve }, BIT STRING point }
 *   ECPrivateKey (RFC 5915) SEQUENCE { INTEGER 1, OCTET STRING d, [0] OID curve, [1] BIT STRING point }
 */

const CURVE_OIDS: Readonly<Record<string, Buffer>> = {
  // 1.2.840.10045.3.1.7
  prime256v1: Buffer.from('06082a8648ce3d030107', 'hex'),
  // 1.3.132.0.34
  secp384r1: Buffer.from('06052b81040022', 'hex'),
};
// 1.2.840.10045.2.1
const EC_PUBLIC_KEY_OID = Buffer.from('06072a8648ce3d0201', 'hex');

/** One DER TLV: short-form length below 128, else the minimal long form. */
function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  const length = body.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), body]);
  const lengthBytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | lengthBytes.length, ...lengthBytes]), body]);
}

function curveOid(curve: string): Buffer {
  const oid = Object.prototype.hasOwnProperty.call(CURVE_OIDS, curve) ? CURVE_OIDS[curve] : undefined;
  if (oid === undefined) throw new Error(`Unsupported curve for PEM encoding: ${curve}`);
  return oid;
}

/** A BIT STRING with no unused bits. */
function bitString(data: Uint8Array): Buffer {
  return der(0x03, Buffer.from([0]), data);
}

function pem(label: string, body: Buffer): string {
  return [`-----BEGIN ${label}-----`, ...chunk64(body), `-----END ${label}-----`, ''].join('\n');
}

export function publicKeyPem(curve: string, publicKey: Uint8Array): string {
  const spki = der(0x30, der(0x30, EC_PUBLIC_KEY_OID, curveOid(curve)), bitString(publicKey));
  return pem('PUBLIC KEY', spki);
}

export function privateKeyPem(curve: string, privateKey: Uint8Array, publicKey: Uint8Array): string {
  const key = der(
    0x30,
    Buffer.from([0x02, 0x01, 0x01]), // version 1
    der(0x04, privateKey),
    der(0xa0, curveOid(curve)),
    der(0xa1, bitString(publicKey)),
  );
  return pem('EC PRIVATE KEY', key);
}

export function chunk64(buff: Buffer): string[] {
  const chunkSize = 64;
  const text = buff.toString('base64');
  const chunks: string[] = [];
  for (let offset = 0; offset < text.length; offset += chunkSize) chunks.push(text.slice(offset, offset + chunkSize));
  return chunks;
}
