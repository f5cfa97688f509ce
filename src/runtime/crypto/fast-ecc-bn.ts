/**
 * Stand-in for `bn.js`, in the Lambda bundle only, for the three Encryption SDK modules that still
 * import it once the ECC decompression is native (swapped in by
 * scripts/esbuild-plugins/replaced-internals.mjs, which pins the hash of these three files):
 *
 *   @aws-crypto/serialize         aad_factory.js         new BN(contentLength).toArray('be', 8)
 *   @aws-crypto/serialize         decode_body_header.js  new BN([...bytes], 16, 'be').toNumber()
 *   @aws-crypto/material-management ecc_encode.js         new BN([...y]).mod(new BN(2)).toNumber()
 *
 * bn.js is 45 kB of minified JavaScript parsed at every cold start for an 8-byte integer. This
 * class does those operations on a native BigInt with bn.js's semantics, including the checks the
 * SDK relies on: `toNumber()` refuses values of 2^53 and above (a body content length the SDK
 * could not represent), `toArray` refuses values longer than the requested length.
 * test/perf/native-ecc.test.ts compares it with bn.js on random inputs.
 */

const TWO_POW_53 = 2n ** 53n;

function assert(condition: boolean, message = 'Assertion failed'): asserts condition {
  if (!condition) throw new Error(message);
}

type Endian = 'be' | 'le';

export default class BN {
  /** Magnitude; bn.js keeps the sign apart the same way. */
  private magnitude: bigint;
  private negative: boolean;

  constructor(number: number | ArrayLike<number> | BN, base?: number | Endian, endian?: Endian) {
    if (number instanceof BN) {
      this.magnitude = number.magnitude;
      this.negative = number.negative;
      return;
    }
    let order: Endian = endian ?? 'be';
    if (base === 'le' || base === 'be') order = base;
    if (typeof number === 'number') {
      assert(order === 'be', 'bn.js stand-in: little-endian numbers are not used by the Encryption SDK');
      // bn.js starts from `number || 0`: NaN and -0 are 0.
      const absolute = Math.abs(number || 0);
      // bn.js: assert(number < 0x20000000000000) — also refuses NaN and Infinity.
      assert(absolute < 2 ** 53);
      this.negative = (number || 0) < 0;
      this.magnitude = BigInt(Math.floor(absolute));
      return;
    }
    assert(typeof number === 'object' && number !== null && typeof number.length === 'number');
    let value = 0n;
    const length = number.length;
    for (let i = 0; i < length; i += 1) {
      const byte = number[order === 'be' ? i : length - 1 - i] ?? 0;
      value = (value << 8n) | BigInt(byte & 0xff);
    }
    this.magnitude = value;
    this.negative = false;
  }

  /** bn.js `toNumber()`: exact below 2^53, an error above. */
  toNumber(): number {
    assert(this.magnitude < TWO_POW_53, 'Number can only safely store up to 53 bits');
    const value = Number(this.magnitude);
    return this.negative && value !== 0 ? -value : value;
  }

  /** bn.js `toArray(endian, length)`: the magnitude's bytes, zero-padded to `length`. */
  toArray(endian: Endian = 'be', length?: number): number[] {
    const bytes: number[] = [];
    for (let rest = this.magnitude; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    const requested = length || Math.max(1, bytes.length);
    assert(bytes.length <= requested, 'byte array longer than desired length');
    assert(requested > 0, 'Requested array length <= 0');
    const padded = [...Array.from({ length: requested - bytes.length }, () => 0), ...bytes];
    return endian === 'le' ? padded.reverse() : padded;
  }

  /** bn.js `mod`: the remainder, with the sign of the dividend (non-negative here). */
  mod(divisor: BN): BN {
    assert(divisor.magnitude !== 0n);
    const result = new BN(0);
    result.magnitude = this.magnitude % divisor.magnitude;
    result.negative = this.negative && result.magnitude !== 0n;
    return result;
  }
}
