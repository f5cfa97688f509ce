import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../../../src/runtime/crypto/decrypt.ts', import.meta.url));

describe('decryptor bundle', () => {
  it('leaves DynamoDB and the encrypting client out of a Lambda bundle of the decryptor', async () => {
    // Act
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(
      inputs.filter((path) => /client-dynamodb|branch-keystore|kms-keyring-node|client-node|encrypt-node/.test(path)),
      [],
    );
    assert.ok(inputs.some((path) => path.includes('@aws-crypto/decrypt-node')), 'the official SDK does the decrypting');
    const bytes = result.outputFiles[0]?.contents.length ?? 0;
    // The naive KmsKeyringNode bundle is ~925 KB (performance-notes.md); ours must stay well under.
    assert.ok(bytes < 820_000, `bundle is ${bytes} bytes`);
  });
});
