/**
 * The one place where the Lambda build replaces part of a dependency. Each replacement is listed
 * in REPLACEMENTS with why it exists, what it replaces, and the sha256 of every upstream file it
 * depends on. The build fails, naming the file, when an installed file no longer has its pinned
 * hash (an upgrade changed it), and test/perf/replaced-internals.test.ts fails the same way in
 * `npm test`: a dependency upgrade cannot silently change what these replacements stand in for.
 *
 * After an upgrade changes a pinned file: read the new upstream file, adjust the replacement,
 * re-run its equivalence test (named per entry), then update the pin.
 *
 * None of these has a public option upstream. Each is an upstreamable change (the Encryption SDK's
 * own comment calls pem_helpers deletable since Node 12; `node:crypto` converts points natively;
 * its Node packages could import `stream`, as encrypt-node's signature_stream already does).
 *
 * @example
 * import { replacedInternalsPlugin } from './esbuild-plugins/replaced-internals.mjs';
 * await build({ ..., plugins: [replacedInternalsPlugin()] });
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slimMimeTypesSource } from './slim-mime-types.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeModules = join(root, 'node_modules');

/**
 * kind `module`: imports of `specifier` from the pinned files resolve to `replacement`;
 * kind `transform`: the pinned file's source is rewritten by `transform` when loaded.
 * `pins`: node_modules-relative path → sha256 of the upstream file as last checked.
 */
export const REPLACEMENTS = [
  {
    name: 'native ECC point decompression',
    why: 'the SDK decompresses the message signing key with bn.js (~2.9 ms per decrypt); OpenSSL does it in ~0.1 ms',
    kind: 'module',
    specifier: /^\.\/ecc_decode(?:\.js)?$/,
    replacement: 'src/runtime/crypto/fast-ecc-decode.ts',
    proof: 'test/perf/native-ecc.test.ts',
    pins: { '@aws-crypto/material-management/build/module/src/ecc_decode.js': '421a743605eaf57c7328c10f83d441c98d2c6c4402a07b42dcb5b881d092ef87' },
    importers: ['@aws-crypto/material-management/build/module/src/signature_key.js'],
  },
  {
    name: 'PEM keys without asn1.js',
    why: 'asn1.js and its own bn.js copy (~68 kB minified) only write two fixed DER structures',
    kind: 'module',
    specifier: /^\.\/pem_helpers(?:\.js)?$/,
    replacement: 'src/runtime/crypto/fast-ecc-pem.ts',
    proof: 'test/perf/native-ecc.test.ts',
    pins: { '@aws-crypto/material-management/build/module/src/pem_helpers.js': 'f7657fcbeba73bae34cfccbd1bac262b18e94226ec2b80eb7f8588d234530bda' },
    importers: ['@aws-crypto/material-management/build/module/src/signature_key.js'],
  },
  {
    name: 'bn.js as a BigInt',
    why: 'bn.js (45 kB minified) for three 8-byte integer operations; pinned: the three files that use it',
    kind: 'module',
    specifier: /^bn\.js$/,
    replacement: 'src/runtime/crypto/fast-ecc-bn.ts',
    proof: 'test/perf/native-ecc.test.ts',
    pins: {
      '@aws-crypto/serialize/build/module/src/aad_factory.js': '6b12ac77e357bddcf524b2abde6879dfaf7944506da6a0a2224359a4cb1d640e',
      '@aws-crypto/serialize/build/module/src/decode_body_header.js': 'ddd200a7741463eaf3a27d62fca6d014f9d8636fcf5c31a38d48a79781019e27',
      '@aws-crypto/material-management/build/module/src/ecc_encode.js': '22b1386662686311ce6d1962647cc7b18da5ef3f608a4b5412f90f3f50bae5f6',
    },
  },
  {
    name: "Node's own streams for the Encryption SDK",
    why: 'readable-stream 3 is a userland copy of Node 10 streams (37 kB minified, 11.7 kB of zip, parsed at every cold start); Node has them built in',
    kind: 'module',
    specifier: /^readable-stream$/,
    replacement: 'node:stream',
    proof: 'test/perf/native-ecc.test.ts (the bundled decryptor against the official SDK)',
    pins: { 'readable-stream/package.json': '469ea81f64037d1f179bcd46412217903a2924dd2e7d7d9b728659b6f12c3e69' },
    importers: [
      '@aws-crypto/decrypt-node/build/module/src/decipher_stream.js',
      '@aws-crypto/decrypt-node/build/module/src/decrypt.js',
      '@aws-crypto/decrypt-node/build/module/src/decrypt_stream.js',
      '@aws-crypto/decrypt-node/build/module/src/parse_header_stream.js',
      '@aws-crypto/decrypt-node/build/module/src/verify_stream.js',
      'duplexify/index.js',
    ],
  },
  {
    name: "nodemailer's MIME table, common types only",
    why: 'a third of the SMTP chunk (76 kB minified) is a table nodemailer reads only for attachments; see slim-mime-types.mjs',
    kind: 'transform',
    transform: slimMimeTypesSource,
    proof: 'test/perf/slim-mime-types.test.ts',
    pins: { 'nodemailer/dist/esm/mime-funcs/mime-types.js': '44f91f610dccc452d10a0b19dcc0a34b9efd564a54ef36b62fa7fc9839c00cac' },
  },
];

export function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Pinned files whose installed bytes differ from the pin, as sentences. */
export function stalePins(replacements = REPLACEMENTS) {
  const stale = [];
  for (const entry of replacements) {
    for (const [file, pinned] of Object.entries(entry.pins)) {
      let actual;
      try {
        actual = sha256(join(nodeModules, file));
      } catch {
        actual = 'missing';
      }
      if (actual !== pinned) {
        stale.push(
          `${file} changed upstream (sha256 ${actual.slice(0, 12)}…, pinned ${pinned.slice(0, 12)}…): "${entry.name}" replaces part of it. ` +
            `Re-check ${entry.replacement ?? 'the transform'} against the new file, re-run ${entry.proof}, then update the pin in scripts/esbuild-plugins/replaced-internals.mjs`,
        );
      }
    }
  }
  return stale;
}

const inNodeModules = (path) => relative(nodeModules, path).replaceAll('\\', '/');

/**
 * @param {{ replacements?: typeof REPLACEMENTS, onReplace?: (entry: (typeof REPLACEMENTS)[number], file: string) => void }} [options]
 *   replacements: for tests (e.g. a deliberately wrong pin); onReplace: called for each use.
 * @returns {import('esbuild').Plugin}
 */
export function replacedInternalsPlugin(options = {}) {
  const replacements = options.replacements ?? REPLACEMENTS;
  return {
    name: 'replaced-internals',
    setup(build) {
      build.onStart(() => {
        const stale = stalePins(replacements);
        return { errors: stale.map((text) => ({ text: `replaced-internals: ${text}` })) };
      });
      for (const entry of replacements) {
        if (entry.kind === 'module') {
          // Imports from a pinned file (bn.js users) or a listed importer resolve to the replacement.
          const from = new Set([...(entry.importers ?? []), ...Object.keys(entry.pins)]);
          build.onResolve({ filter: entry.specifier }, (args) => {
            const importer = inNodeModules(args.importer);
            if (!from.has(importer)) {
              if (!importer.startsWith('..') && /^(?:@aws-crypto\/|duplexify\/)/.test(importer)) {
                return { errors: [{ text: `replaced-internals: ${importer} imports ${args.path}, which "${entry.name}" was not checked for; add it to REPLACEMENTS after checking` }] };
              }
              return undefined;
            }
            options.onReplace?.(entry, importer);
            return entry.replacement.startsWith('node:') ? { path: entry.replacement, external: true } : { path: join(root, entry.replacement) };
          });
        } else {
          const files = Object.keys(entry.pins);
          const escaped = files.map((file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '[\\\\/]'));
          build.onLoad({ filter: new RegExp(`[\\\\/]node_modules[\\\\/](?:${escaped.join('|')})$`) }, (args) => {
            options.onReplace?.(entry, inNodeModules(args.path));
            return { contents: entry.transform(readFileSync(args.path, 'utf8')), loader: 'js' };
          });
        }
      }
    },
  };
}
