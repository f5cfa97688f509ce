/**
 * esbuild plugin: inside the Encryption SDK, resolve three internal imports to native-crypto
 * versions, in the Lambda bundle only:
 *   material-management `./ecc_decode`  → src/runtime/crypto/fast-ecc-decode.ts (OpenSSL point decompression)
 *   material-management `./pem_helpers` → src/runtime/crypto/fast-ecc-pem.ts    (DER/PEM without asn1.js)
 *   `bn.js` in serialize and ecc_encode → src/runtime/crypto/fast-ecc-bn.ts      (BigInt, bn.js semantics)
 * Nothing else of the SDK changes: signature verification, commitment policy, key filtering and
 * the encryption-context checks run the SDK's own code, which reaches these through the same
 * imports.
 *
 * The build fails, rather than shipping a stale swap, when a replaced module moves, exports
 * names the replacement lacks, or when the SDK starts using bn.js in a way the stand-in was not
 * checked for. The equivalence proof lives in test/perf/native-ecc.test.ts.
 *
 * @example
 * import { nativeEccPlugin } from './esbuild-plugins/native-ecc.mjs';
 * await build({ ..., plugins: [nativeEccPlugin()] });
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** SDK module (relative import inside material-management) → our replacement. */
export const NATIVE_ECC_SWAPS = {
  './ecc_decode': join(root, 'src/runtime/crypto/fast-ecc-decode.ts'),
  './pem_helpers': join(root, 'src/runtime/crypto/fast-ecc-pem.ts'),
};
export const BN_STAND_IN = join(root, 'src/runtime/crypto/fast-ecc-bn.ts');

/**
 * Every use of bn.js left in the SDK's decrypt path, verbatim (ESM builds). The stand-in
 * implements exactly these; anything else in these files fails the build.
 */
const BN_USES = {
  'serialize/build/module/src/aad_factory.js': ["new BN(contentLength).toArray('be', 8)"],
  'serialize/build/module/src/decode_body_header.js': ["new BN([...contentLengthBuff], 16, 'be')", 'contentLengthBN.toNumber()'],
  'material-management/build/module/src/ecc_encode.js': ['new BN([...y]).mod(new BN(2)).toNumber()'],
};

const MATERIAL_MANAGEMENT_SRC = /[\\/]node_modules[\\/]@aws-crypto[\\/]material-management[\\/]build[\\/](?:main|module)[\\/]src$/;
const AWS_CRYPTO_FILE = /[\\/]node_modules[\\/]@aws-crypto[\\/](.+)$/;

function exportedNames(source) {
  const names = new Set();
  // ESM build (`export function x`, `export const x`) and CommonJS build (`exports.x = …`).
  for (const match of source.matchAll(/export\s+(?:async\s+)?(?:function|const|let|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(match[1]);
  for (const match of source.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\s*=/g)) if (match[1] !== '__esModule') names.add(match[1]);
  return [...names].sort();
}

function checkBnUses(importer) {
  const relative = AWS_CRYPTO_FILE.exec(importer)?.[1]?.replaceAll('\\', '/');
  const expected = relative === undefined ? undefined : BN_USES[relative];
  if (expected === undefined) {
    throw new Error(`native-ecc: ${importer} imports bn.js, which the stand-in (src/runtime/crypto/fast-ecc-bn.ts) was not checked for`);
  }
  // Drop the inline source map, then every mention of BN must be the import or a known use.
  const source = readFileSync(importer, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '');
  let rest = source.replace("import BN from 'bn.js';", '');
  for (const use of expected) {
    if (!rest.includes(use)) throw new Error(`native-ecc: ${importer} no longer contains \`${use}\`; re-check src/runtime/crypto/fast-ecc-bn.ts`);
    rest = rest.replaceAll(use, '');
  }
  if (/\bBN\b/.test(rest.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''))) {
    throw new Error(`native-ecc: ${importer} uses bn.js in a new way; re-check src/runtime/crypto/fast-ecc-bn.ts`);
  }
}

/**
 * @param {{ onSwap?: (original: string, replacement: string) => void }} [options]
 * @returns {import('esbuild').Plugin}
 */
export function nativeEccPlugin(options = {}) {
  const checked = new Set();
  const once = (key, check) => {
    if (checked.has(key)) return;
    check();
    checked.add(key);
  };
  return {
    name: 'native-ecc',
    setup(build) {
      build.onResolve({ filter: /^\.\/(?:ecc_decode|pem_helpers)(?:\.js)?$/ }, (args) => {
        if (!MATERIAL_MANAGEMENT_SRC.test(args.resolveDir)) return undefined;
        const key = args.path.replace(/\.js$/, '');
        const replacement = NATIVE_ECC_SWAPS[key];
        const original = join(args.resolveDir, `${key.slice(2)}.js`);
        once(original, () => {
          const expected = exportedNames(readFileSync(original, 'utf8'));
          const provided = exportedNames(readFileSync(replacement, 'utf8'));
          const missing = expected.filter((name) => !provided.includes(name));
          if (missing.length > 0) {
            throw new Error(
              `native-ecc: ${original} now exports ${expected.join(', ')}; ${replacement} lacks ${missing.join(', ')}. ` +
                'Update the replacement and re-run test/perf/native-ecc.test.ts before building.',
            );
          }
          options.onSwap?.(original, replacement);
        });
        return { path: replacement };
      });
      build.onResolve({ filter: /^bn\.js$/ }, (args) => {
        if (!AWS_CRYPTO_FILE.test(args.importer)) return undefined;
        once(args.importer, () => {
          checkBnUses(args.importer);
          options.onSwap?.(args.importer, BN_STAND_IN);
        });
        return { path: BN_STAND_IN };
      });
    },
  };
}
