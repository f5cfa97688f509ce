/**
 * esbuild plugin: inside the Encryption SDK's `@aws-crypto/material-management`, resolve its two
 * internal modules `./ecc_decode` and `./pem_helpers` to our native-crypto versions
 * (src/crypto/fast-ecc-decode.ts, src/crypto/fast-ecc-pem.ts). Nothing else of the SDK changes:
 * signature verification, commitment policy, key filtering and the encryption-context checks
 * run the SDK's own code, which calls these modules through the same exports.
 *
 * The swap happens at the module boundary the SDK itself uses (one import each, from
 * signature_key.js), so it cannot reach code the SDK does not route through it. The build fails
 * if the SDK's module moves or its exports change, rather than shipping a stale swap; the
 * equivalence proof lives in test/perf/native-ecc.test.ts.
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
  './ecc_decode': join(root, 'src/crypto/fast-ecc-decode.ts'),
  './pem_helpers': join(root, 'src/crypto/fast-ecc-pem.ts'),
};

const MATERIAL_MANAGEMENT_SRC = /[\\/]node_modules[\\/]@aws-crypto[\\/]material-management[\\/]build[\\/](?:main|module)[\\/]src$/;

function exportedNames(source) {
  const names = new Set();
  // ESM build (`export function x`, `export const x`) and CommonJS build (`exports.x = …`).
  for (const match of source.matchAll(/export\s+(?:async\s+)?(?:function|const|let|class)\s+([A-Za-z_$][\w$]*)/g)) names.add(match[1]);
  for (const match of source.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\s*=/g)) if (match[1] !== '__esModule') names.add(match[1]);
  return [...names].sort();
}

/**
 * @param {{ onSwap?: (original: string, replacement: string) => void }} [options]
 * @returns {import('esbuild').Plugin}
 */
export function nativeEccPlugin(options = {}) {
  const checked = new Set();
  return {
    name: 'native-ecc',
    setup(build) {
      build.onResolve({ filter: /^\.\/(?:ecc_decode|pem_helpers)(?:\.js)?$/ }, (args) => {
        if (!MATERIAL_MANAGEMENT_SRC.test(args.resolveDir)) return undefined;
        const key = args.path.replace(/\.js$/, '');
        const replacement = NATIVE_ECC_SWAPS[key];
        const original = join(args.resolveDir, `${key.slice(2)}.js`);
        if (!checked.has(original)) {
          const expected = exportedNames(readFileSync(original, 'utf8'));
          const provided = exportedNames(readFileSync(replacement, 'utf8'));
          const missing = expected.filter((name) => !provided.includes(name));
          if (missing.length > 0) {
            throw new Error(
              `native-ecc: ${original} now exports ${expected.join(', ')}; ${replacement} lacks ${missing.join(', ')}. ` +
                'Update the replacement and re-run test/perf/native-ecc.test.ts before building.',
            );
          }
          checked.add(original);
          options.onSwap?.(original, replacement);
        }
        return { path: replacement };
      });
    },
  };
}
