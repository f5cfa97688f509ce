#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner, TypeScript loaded by tsx.
// Node 20's runner does not expand globs itself, so we collect the files here.
// Usage: npm test [-- <path filter>...]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = collect(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}
// The whole suite also checks the shipped bundle, so build it first. A filtered run (while
// working on one part) skips the build and tests whatever dist/ holds.
if (filters.length === 0) {
  // What `npm run build` runs: the Lambda, the npm package's JavaScript, the landing page.
  for (const script of ['build.mjs', 'build-package.mjs', 'build-landing.mjs']) {
    const build = spawnSync(process.execPath, [join(root, 'scripts', script)], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);
process.exit(result.status ?? 1);
