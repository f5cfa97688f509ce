/**
 * The committed provider specs are the providers' files, unchanged, each with its source and
 * licence: an edited spec would make the conformance tests check our reading instead of theirs.
 * And the tests read nothing outside the repository, so a clone alone runs them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPECS_DIR } from '../../../support/openapi.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const provenance = readFileSync(join(SPECS_DIR, 'PROVENANCE.md'), 'utf8');

/** Rows of the provenance table: file → { bytes, sha256 }. */
const rows = new Map(
  [...provenance.matchAll(/^\| `([^`]+)` \|.*\| (\d+) \| `([0-9a-f]{64})` \|$/gm)].map((m) => [m[1]!, { bytes: Number(m[2]), sha256: m[3]! }]),
);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('committed provider specs', () => {
  const specs = filesUnder(SPECS_DIR)
    .map((path) => relative(SPECS_DIR, path))
    .filter((file) => !/(^|\/)(LICENSE|NOTICE|PROVENANCE\.md)$/.test(file));

  it('lists every spec file in PROVENANCE.md', () => {
    assert.ok(specs.length >= 9, `expected the committed specs, found ${specs.length}`);
    assert.deepEqual(specs.filter((file) => !rows.has(file)), []);
    assert.deepEqual([...rows.keys()].filter((file) => !specs.includes(file)), []);
  });

  it('holds each spec byte for byte as published (size and sha256 of the upstream file)', () => {
    for (const file of specs) {
      const bytes = readFileSync(join(SPECS_DIR, file));
      const expected = rows.get(file)!;
      assert.equal(bytes.length, expected.bytes, `${file} size`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), expected.sha256, `${file} sha256`);
    }
  });

  it('keeps the upstream licence beside each spec', () => {
    for (const folder of new Set(specs.map((file) => file.split('/')[0]!))) {
      assert.ok(existsSync(join(SPECS_DIR, folder, 'LICENSE')), `${folder}/LICENSE`);
    }
  });
});

describe('tests and scripts stand alone', () => {
  it('read nothing from a folder beside the repository (../shared)', () => {
    // Spelled in two parts so this file does not match itself.
    const besideTheRepo = ['..', 'shared/'].join('/');
    const offenders = ['test', 'scripts']
      .flatMap((dir) => filesUnder(join(repoRoot, dir)))
      .filter((path) => /\.(ts|mts|mjs|cjs|js|json|sh)$/.test(path) && !path.includes(`${join('test', 'fixtures', 'specs')}`))
      .filter((path) => readFileSync(path, 'utf8').includes(besideTheRepo))
      .map((path) => relative(repoRoot, path));
    assert.deepEqual(offenders, []);
  });
});
