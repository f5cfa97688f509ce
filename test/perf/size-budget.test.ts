/**
 * The size budget of the shipped Lambda (.size-limit.json, scripts/size-check.mjs). `npm test`
 * builds dist/ first, so CI fails when a change pushes the zip or the cold-start code over budget.
 * Timing is not asserted anywhere in tests; `npm run bench` reports it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sizeCheck = join(root, 'scripts/size-check.mjs');

function runSizeCheck(...args: string[]) {
  assert.ok(existsSync(join(root, 'dist/lambda.zip')), 'dist/lambda.zip is missing: run `npm run build` (the full `npm test` does)');
  return spawnSync(process.execPath, [sizeCheck, ...args], { cwd: root, encoding: 'utf8' });
}

describe('the Lambda size budget', () => {
  it('holds for the built dist/lambda.zip and cold-start code', () => {
    // Act
    const result = runSizeCheck();

    // Assess
    assert.equal(result.status, 0, `over budget:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /^ok {3}dist\/lambda\.zip, every provider included: [\d.]+ kB, limit 200\.0 kB/m, 'the zip budget is 200 kB');
  });

  it('fails, naming the largest packages, when an entry is over its limit', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'size-budget-'));
    const config = join(dir, 'budget.json');
    writeFileSync(config, JSON.stringify([{ name: 'tiny zip', path: 'dist/lambda.zip', limit: '1 kB' }]));

    try {
      // Act
      const result = runSizeCheck('--config', config);

      // Assess
      assert.equal(result.status, 1);
      assert.match(result.stdout, /^OVER tiny zip: [\d.]+ kB, limit 1\.0 kB/m);
      assert.match(result.stderr, /over budget/);
      assert.match(result.stderr, /@aws-sdk\/client-kms|nodemailer|@smithy\/core/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('measures a zip that contains every provider of the registry', () => {
    // Prepare: each `import('./…')` of the registry is its own chunk in the build.
    const registry = readFileSync(join(root, 'src/runtime/providers/registry.ts'), 'utf8');
    const providerFiles = [...new Set([...registry.matchAll(/import\('\.\/([^']+)'\)/g)].map((m) => `src/runtime/providers/${m[1]}`))];
    const meta = JSON.parse(readFileSync(join(root, 'dist/meta.json'), 'utf8')) as { outputs: Record<string, { entryPoint?: string }> };
    const chunkEntries = new Set(Object.values(meta.outputs).map((output) => output.entryPoint).filter(Boolean));
    const zipBytes = readFileSync(join(root, 'dist/lambda.zip'));

    // Assess
    assert.ok(providerFiles.length >= 3, 'the registry lists its providers');
    for (const file of providerFiles) {
      assert.ok(chunkEntries.has(file), `${file} is not a chunk of the build`);
      const chunk = Object.entries(meta.outputs).find(([, output]) => output.entryPoint === file)?.[0] ?? '';
      const nameInZip = relative('dist/lambda', chunk);
      assert.ok(zipBytes.includes(Buffer.from(nameInZip)), `${nameInZip} is not in dist/lambda.zip`);
    }
  });
});
