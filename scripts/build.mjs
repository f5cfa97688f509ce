#!/usr/bin/env node
// Builds the Lambda: one esbuild bundle, dist/lambda/index.mjs (handler `index.handler`,
// runtime nodejs22.x, also runs on Node 20), provider code split into chunks loaded on demand,
// and dist/lambda.zip with index.mjs at the zip root.
import { build } from 'esbuild';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, relative } from 'node:path';
import yazl from 'yazl';
import { register } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist/lambda');

// The templates plugin is TypeScript; tsx lets this plain script import it.
register();
const { templatesPlugin } = await import('../src/templates/esbuild-plugin.ts');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await build({
  entryPoints: { index: join(root, 'src/lambda/handler.ts') },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  // Some CommonJS dependencies call require() for Node built-ins; give ESM output one.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  plugins: [templatesPlugin({ userDir: process.env.TEMPLATES_DIR ?? join(root, 'templates') })],
  logLevel: 'warning',
});
await writeFile(join(root, 'dist/meta.json'), JSON.stringify(result.metafile));

async function files(dir) {
  const out = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

// A fixed mtime keeps the zip byte-for-byte reproducible, so infra sees no change without one.
const zip = new yazl.ZipFile();
const mtime = new Date('2020-01-01T00:00:00Z');
for (const file of await files(outdir)) {
  zip.addFile(file, relative(outdir, file), { mtime, mode: 0o100644 });
}
zip.end();
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(join(root, 'dist/lambda.zip'))).on('close', resolve).on('error', reject);
});
const zipSize = (await stat(join(root, 'dist/lambda.zip'))).size;
const indexSize = (await stat(join(outdir, 'index.mjs'))).size;
console.log(`built dist/lambda/index.mjs (${(indexSize / 1024).toFixed(1)} KiB) and dist/lambda.zip (${(zipSize / 1024).toFixed(1)} KiB)`);
