#!/usr/bin/env node
// Size budget of the Lambda artefact, checked in CI (test/perf/size-budget.test.ts) after the
// build. Reads the budget from .size-limit.json; exits 1 when any entry is over its limit.
//
// Entries: { name, path, limit, target?, closure? }
//   path     a file under the repository (dist/lambda.zip, dist/lambda/index.mjs, …)
//   limit    enforced: "220 kB" (1 kB = 1000 bytes) or "215 KiB"; over it, the check fails
//   target   the goal, reported but not enforced (e.g. an issue's target not met yet)
//   closure  for a bundle file: count it plus every chunk it imports statically, i.e. the code
//            Node loads at cold start before any provider (from dist/meta.json)
//
// Usage: node scripts/size-check.mjs [--config <file>] [--json]
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { values: options } = parseArgs({
  options: { config: { type: 'string', default: join(root, '.size-limit.json') }, json: { type: 'boolean', default: false } },
});

const UNITS = { b: 1, B: 1, kb: 1000, kB: 1000, KB: 1000, mb: 1_000_000, MB: 1_000_000, KiB: 1024, MiB: 1024 * 1024 };

export function parseSize(text) {
  const match = /^\s*([\d.]+)\s*([A-Za-z]+)?\s*$/.exec(String(text));
  const unit = match?.[2] ?? 'B';
  if (!match || !(unit in UNITS)) throw new Error(`size-check: cannot read the size "${text}" (use e.g. "200 kB" or "195 KiB")`);
  return Math.round(Number(match[1]) * UNITS[unit]);
}

const format = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;

/** The file plus the chunks it imports statically (transitively), per esbuild's metafile. */
function closureBytes(file) {
  const metaPath = join(root, 'dist/meta.json');
  if (!existsSync(metaPath)) throw new Error('size-check: dist/meta.json is missing; run `npm run build` first');
  const outputs = JSON.parse(readFileSync(metaPath, 'utf8')).outputs;
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(relative(root, file));
  return { bytes: [...seen].reduce((sum, path) => sum + statSync(join(root, path)).size, 0), files: seen.size };
}

/** Largest packages in the output, to say where to look when over budget. */
function largestInputs(count = 8) {
  const metaPath = join(root, 'dist/meta.json');
  if (!existsSync(metaPath)) return [];
  const totals = new Map();
  for (const output of Object.values(JSON.parse(readFileSync(metaPath, 'utf8')).outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, count);
}

const budget = JSON.parse(readFileSync(resolve(options.config), 'utf8'));
if (!Array.isArray(budget) || budget.length === 0) throw new Error(`size-check: ${options.config} must be a non-empty array of entries`);

const results = budget.map((entry) => {
  const file = join(root, entry.path);
  if (!existsSync(file)) throw new Error(`size-check: ${entry.path} is missing; run \`npm run build\` first`);
  const { bytes, files } = entry.closure ? closureBytes(file) : { bytes: statSync(file).size, files: 1 };
  const limit = parseSize(entry.limit);
  const target = entry.target === undefined ? undefined : parseSize(entry.target);
  return { name: entry.name ?? entry.path, path: entry.path, files, bytes, limit, target, ok: bytes <= limit, onTarget: target === undefined ? undefined : bytes <= target };
});

if (options.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  for (const r of results) {
    const goal = r.target === undefined ? '' : `; target ${format(r.target)}: ${r.onTarget ? 'met' : `missed by ${format(r.bytes - r.target)}`}`;
    const what = r.files > 1 ? ` (${r.files} files)` : '';
    console.log(`${r.ok ? 'ok  ' : 'OVER'} ${r.name}: ${format(r.bytes)}${what}, limit ${format(r.limit)}${goal}`);
  }
}
if (results.some((r) => !r.ok)) {
  console.error('\nsize-check: over budget. Largest packages in dist/lambda (minified bytes):');
  for (const [name, bytes] of largestInputs()) console.error(`  ${format(bytes).padStart(9)}  ${name}`);
  console.error('Keep provider code behind dynamic imports; see docs/performance.md.');
  process.exit(1);
}
