#!/usr/bin/env node
// Builds the verification-link landing page for deployment, apart from the relay's Lambda (none
// of it enters dist/lambda):
//   dist/landing/site/              the static page: upload to any static host (S3 + CloudFront,
//                                   Netlify, GitHub Pages…) and write config.json next to it
//   dist/landing/secret-hash.zip    the SECRET_HASH endpoint (handler `index.handler`, Node 22),
//                                   only for app clients that have a secret
// Usage: node scripts/build-landing.mjs
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import yazl from 'yazl';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/landing');
await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'site'), { recursive: true });

// The page needs no build: the same files run from src/landing/ in the sandbox and the tests.
const siteFiles = ['index.html', 'landing.js', 'messages.js', 'landing.css', 'config.json'];
for (const file of siteFiles) await copyFile(join(root, 'src/landing', file), join(out, 'site', file));

await build({
  entryPoints: [join(root, 'src/landing/secret-hash.ts')],
  outfile: join(out, 'secret-hash/index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const zip = new yazl.ZipFile();
zip.addFile(join(out, 'secret-hash/index.mjs'), 'index.mjs', { mtime: new Date('2020-01-01T00:00:00Z'), mode: 0o100644, compressionLevel: 9 });
zip.end();
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(join(out, 'secret-hash.zip'))).on('close', resolve).on('error', reject);
});

let siteBytes = 0;
for (const file of siteFiles) siteBytes += (await stat(join(out, 'site', file))).size;
const zipBytes = (await stat(join(out, 'secret-hash.zip'))).size;
console.log(`built dist/landing/site (${siteFiles.length} files, ${(siteBytes / 1000).toFixed(1)} kB) and dist/landing/secret-hash.zip (${(zipBytes / 1000).toFixed(1)} kB)`);
