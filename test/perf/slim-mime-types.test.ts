/**
 * The Lambda bundle ships nodemailer with a shorter MIME type table
 * (scripts/esbuild-plugins/slim-mime-types.mjs). Every type it keeps must answer exactly as
 * nodemailer's full table does, and the types it drops must fall back to nodemailer's own defaults.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { KEPT_EXTENSIONS, slimMimeTypesSource } from '../../scripts/esbuild-plugins/slim-mime-types.mjs';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { lambdaBuildOptions } from '../../scripts/esbuild-plugins/lambda-options.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodemailerTable = join(root, 'node_modules/nodemailer/dist/esm/mime-funcs/mime-types.js');

interface MimeTypes {
  detectMimeType(filename: string): string;
  detectExtension(mimeType: string): string;
}

const full = (await import(pathToFileURL(nodemailerTable).href)) as MimeTypes;
const slim = (await import(`data:text/javascript,${encodeURIComponent(slimMimeTypesSource(readFileSync(nodemailerTable, 'utf8')))}`)) as MimeTypes;
const kept = [...(KEPT_EXTENSIONS as Set<string>)];

describe("nodemailer's slimmed MIME table", () => {
  it('guesses the same type as nodemailer for every kept extension', () => {
    for (const extension of kept) {
      // Act + Assess
      assert.equal(slim.detectMimeType(`logo.${extension}`), full.detectMimeType(`logo.${extension}`), extension);
      assert.equal(slim.detectMimeType(extension.toUpperCase()), full.detectMimeType(extension.toUpperCase()), extension);
    }
  });

  it('picks the same extension as nodemailer for the type of every kept extension', () => {
    for (const extension of kept) {
      const type = full.detectMimeType(`x.${extension}`);
      if (type === 'application/octet-stream') continue;

      // Act + Assess
      assert.equal(slim.detectExtension(type), full.detectExtension(type), type);
    }
    assert.equal(slim.detectExtension('image/png'), 'png');
    assert.equal(slim.detectExtension('text/html'), full.detectExtension('text/html'));
  });

  it("falls back to nodemailer's defaults for the types it drops", () => {
    // Act + Assess
    assert.equal(slim.detectMimeType('drawing.dwg'), 'application/octet-stream');
    assert.equal(slim.detectExtension('application/acad'), 'bin');
    assert.equal(slim.detectExtension('text/x-script.zsh'), 'txt');
    assert.equal(slim.detectMimeType(''), full.detectMimeType(''));
    assert.equal(slim.detectExtension(''), full.detectExtension(''));
  });

  it('is what the Lambda build ships in the SMTP provider', async () => {
    // Act
    const result = await build({
      ...lambdaBuildOptions(),
      entryPoints: [join(root, 'src/runtime/providers/email/smtp.ts')],
      splitting: false,
      write: false,
      outdir: join(root, 'dist/slim-mime-check'),
      logLevel: 'silent',
    });
    const text = (result.outputFiles ?? []).map((file) => file.text).join('\n');

    // Assess
    assert.ok(text.includes('image/png'), 'common types are there');
    assert.ok(!text.includes('application/vnd.zzazz.deck+xml'), 'the long tail is not');
  });
});
