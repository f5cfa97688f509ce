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
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slimMimeTypesSource } from './slim-mime-types.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Real path: esbuild reports the files it loads by their real path, also when node_modules is a link.
const nodeModules = existsSync(join(root, 'node_modules')) ? realpathSync(join(root, 'node_modules')) : join(root, 'node_modules');

/**
 * kind `module`: imports of `specifier` from the pinned files resolve to `replacement`
 * (`keptImporters`: Encryption SDK files checked and left on the original import);
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
    name: 'signature check in parallel with KMS',
    why: 'the P-384 signature check (~1 ms) runs in the thread pool during the KMS round trip instead of after it; the SDK still decides, from the same bytes',
    kind: 'module',
    specifier: /^crypto$/,
    replacement: 'src/runtime/crypto/esdk-node-crypto.ts',
    proof: 'test/perf/native-ecc.test.ts (the bundled decryptor against the official SDK) and test/runtime/crypto/parallel-signature-check.test.ts',
    pins: { '@aws-crypto/material-management-node/build/module/src/material_helpers.js': '2dea09cf3dc2fc45b7f1c1b4203cddd9de62f2f981f261704c3c0a44a7d39877' },
    importers: ['@aws-crypto/material-management-node/build/module/src/material_helpers.js'],
    // Checked: they use hashing, HMAC, ECDH and key objects from `crypto`, never signatures.
    keptImporters: [
      '@aws-crypto/hkdf-node/build/module/src/hkdf.js',
      '@aws-crypto/material-management/build/module/src/cryptographic_material.js',
      '@aws-crypto/material-management-node/build/module/src/node_cryptographic_materials_manager.js',
    ],
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
  // nodemailer features the SMTP provider never turns on: the relay builds the transport from
  // SMTP_URL (host, user, password) and sends rendered text and HTML only. Each stand-in throws a
  // clear error if it is ever reached; together they are 9 kB of zip.
  {
    name: "nodemailer's well-known services table",
    why: 'named services (`service: "gmail"`) only; SMTP_URL always names the host',
    kind: 'module',
    specifier: /^\.\.\/well-known\/index\.js$/,
    replacement: 'src/runtime/providers/email/nodemailer-unused/well-known.ts',
    proof: 'test/runtime/providers/email/smtp.test.ts (a real SMTP server)',
    pins: {
      'nodemailer/dist/esm/well-known/index.js': 'f8650526ad95f67315e60daf3408c0de633667c46b0a3db11d363b87bd94c1d4',
      'nodemailer/dist/esm/smtp-pool/index.js': '646cd34663192dcbc1a9688e7945d9c94e01d93cb4831ce1a8f41eca9fd25772',
    },
  },
  {
    name: "nodemailer's OAuth2 client",
    why: 'only for `auth.type: "OAuth2"`; the relay authenticates with the user and password of SMTP_URL',
    kind: 'module',
    specifier: /^\.\.\/xoauth2\/index\.js$/,
    replacement: 'src/runtime/providers/email/nodemailer-unused/xoauth2.ts',
    proof: 'test/runtime/providers/email/smtp.test.ts (a real SMTP server)',
    pins: {
      'nodemailer/dist/esm/xoauth2/index.js': '4d2e8df384118d6a2d0cedf23c9f8e839ac9800be83a39a7b0f1f83eec454f0d',
      'nodemailer/dist/esm/smtp-pool/pool-resource.js': '85100e0a12b34235a8356cc75212ff32b3e13e85626ad4777fe8ec37fb60e7c5',
    },
  },
  {
    name: "nodemailer's DKIM signer",
    why: 'only with a `dkim` option, which the relay never passes',
    kind: 'module',
    specifier: /^\.\.\/dkim\/index\.js$/,
    replacement: 'src/runtime/providers/email/nodemailer-unused/dkim.ts',
    proof: 'test/runtime/providers/email/smtp.test.ts (a real SMTP server)',
    pins: {
      'nodemailer/dist/esm/dkim/index.js': 'ab8957956cc99dd90f752929d0ed118d892c23e7c41a71e33bf26c25126b317c',
      'nodemailer/dist/esm/mailer/index.js': 'e1de6a259bf3d1e1978db1254aa9863ff9ea26dcbc146fc7ada2b2b565531329',
    },
  },
  {
    name: "nodemailer's URL fetcher",
    why: 'only for attachments or content given as a URL (`href`, `path`); relay messages carry neither',
    kind: 'module',
    specifier: /^\.\.\/fetch\/index\.js$/,
    replacement: 'src/runtime/providers/email/nodemailer-unused/fetch.ts',
    proof: 'test/runtime/providers/email/smtp.test.ts (a real SMTP server)',
    pins: {
      'nodemailer/dist/esm/fetch/index.js': '3369592507c6c8cb294b79c915391ba3033eaf51fecf3fff238dcadd75332f5e',
      'nodemailer/dist/esm/mime-node/index.js': '394532611f4cc5dd72d85d84da713c01185364f89d8038923d10d1f308d16b8b',
      'nodemailer/dist/esm/shared/index.js': '523b6c27d906d4bbfa922fefd3ff6a5d68856cf9a3c66383a3a6158d9c14a1d2',
    },
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
              if (entry.keptImporters?.includes(importer)) return undefined;
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
