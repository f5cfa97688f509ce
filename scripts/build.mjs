#!/usr/bin/env node
// Builds the Lambda: one esbuild bundle, dist/lambda/index.mjs (handler `index.handler`,
// runtime nodejs22.x, also runs on Node 20), provider code split into chunks loaded on demand,
// and dist/lambda.zip with index.mjs at the zip root.
//
// The esbuild options (ESM-first resolution, the pinned replacements of dependency internals, AWS
// SDK clients the runtime provides left out) live in scripts/esbuild-plugins/lambda-options.mjs,
// shared with the tests that prove the optimised bundle equals the official SDK. Budgets:
// scripts/size-check.mjs.
import { build } from 'esbuild';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join, relative } from 'node:path';
import yazl from 'yazl';
import { register } from 'tsx/esm/api';
import { lambdaBuildOptions } from './esbuild-plugins/lambda-options.mjs';
import { REPLACEMENTS } from './esbuild-plugins/replaced-internals.mjs';
import { parseServiceClients } from './esbuild-plugins/runtime-sdk.mjs';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist/lambda');

// The templates plugin is TypeScript; tsx lets this plain script import it.
register();
const { templatesPlugin } = await import('../src/runtime/templates/esbuild-plugin.ts');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

// LAMBDA_AWS_SDK_CLIENTS: which AWS SDK clients besides KMS go in the zip. Default: Secrets
// Manager only; `bundle`: all; `runtime`: none; or a list, e.g. `secrets-manager,ssm,dynamodb`.
// The others come from the nodejs22.x runtime (scripts/esbuild-plugins/runtime-sdk.mjs).
const result = await build({
  ...lambdaBuildOptions({
    plugins: [templatesPlugin({ userDir: process.env.TEMPLATES_DIR ?? join(root, 'templates') })],
    awsServiceClients: process.env.LAMBDA_AWS_SDK_CLIENTS === undefined ? undefined : parseServiceClients(process.env.LAMBDA_AWS_SDK_CLIENTS),
  }),
  entryPoints: { index: join(root, 'src/runtime/lambda/handler.ts') },
  outdir,
});
await writeFile(join(root, 'dist/meta.json'), JSON.stringify(result.metafile));

// The replacements are optimisations the bench and docs rely on: fail loudly if a dependency
// stopped routing through what they replace.
const inputs = Object.keys(result.metafile.inputs);
const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((imported) => imported.path));
for (const entry of REPLACEMENTS) {
  const used = entry.kind === 'transform' ? Object.keys(entry.pins).some((file) => inputs.some((input) => input.endsWith(`node_modules/${file}`))) : entry.replacement.startsWith('node:') ? imports.includes(entry.replacement) : inputs.includes(entry.replacement);
  if (!used) throw new Error(`build: "${entry.name}" was not used; the dependency no longer imports what it replaces (scripts/esbuild-plugins/replaced-internals.mjs)`);
}

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
// Level 9: the zip is built once and downloaded at every cold start of a new environment.
const zip = new yazl.ZipFile();
const mtime = new Date('2020-01-01T00:00:00Z');
for (const file of await files(outdir)) {
  zip.addFile(file, relative(outdir, file), { mtime, mode: 0o100644, compressionLevel: 9 });
}
zip.end();
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(join(root, 'dist/lambda.zip'))).on('close', resolve).on('error', reject);
});
const zipSize = (await stat(join(root, 'dist/lambda.zip'))).size;
const indexSize = (await stat(join(outdir, 'index.mjs'))).size;
console.log(`built dist/lambda/index.mjs (${(indexSize / 1000).toFixed(1)} kB) and dist/lambda.zip (${(zipSize / 1000).toFixed(1)} kB)`);
