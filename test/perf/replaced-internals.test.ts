/**
 * The build's replacements of dependency internals (scripts/esbuild-plugins/replaced-internals.mjs)
 * are pinned to the upstream files they stand in for. An upgrade that changes one of those files
 * fails here, and fails the build, naming the file and what to re-check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { REPLACEMENTS, replacedInternalsPlugin, stalePins } from '../../scripts/esbuild-plugins/replaced-internals.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
type Entry = { name: string; pins: Record<string, string> };

async function bundle(plugin: unknown) {
  return build({
    entryPoints: [join(root, 'src/runtime/crypto/decrypt.ts'), join(root, 'src/runtime/providers/email/smtp.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    mainFields: ['module', 'main'],
    write: false,
    outdir: join(root, 'dist/replaced-internals-test'),
    logLevel: 'silent',
    external: ['@aws-sdk/*', '@smithy/*'],
    plugins: [plugin as never],
  });
}

describe('replaced dependency internals', () => {
  it('stand in for exactly the upstream files they were checked against (pinned sha256)', () => {
    // Act
    const stale = stalePins() as string[];

    // Assess
    assert.deepEqual(stale, [], `\n${stale.join('\n')}`);
  });

  it('are each used by a Lambda build of the decryptor and the SMTP provider', async () => {
    // Prepare
    const used = new Set<string>();

    // Act
    await bundle(replacedInternalsPlugin({ onReplace: (entry: Entry) => used.add(entry.name) }));

    // Assess
    assert.deepEqual([...used].sort(), (REPLACEMENTS as Entry[]).map((entry) => entry.name).sort());
  });

  it('fail the build, naming the file and what to re-check, when an upstream file changed', async () => {
    // Prepare: the same replacements, one pin no longer matching the installed file
    const [first, ...rest] = REPLACEMENTS as Entry[];
    const file = Object.keys(first!.pins)[0]!;
    const changed = [{ ...first, pins: { ...first!.pins, [file]: '0'.repeat(64) } }, ...rest];

    // Act & Assess
    await assert.rejects(bundle(replacedInternalsPlugin({ replacements: changed })), (error: Error & { errors?: Array<{ text: string }> }) => {
      const text = (error.errors ?? []).map((e) => e.text).join('\n');
      assert.match(text, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed upstream`));
      assert.match(text, /re-run test\/perf\//);
      return true;
    });
  });
});
