/**
 * Template errors as a person looks for them: file, line and column, in the gallery and in a
 * failed rebuild's message, instead of mustache's character offset.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { createGallery } from '../../../src/tools/sandbox/gallery.ts';
import { lineAndColumn, summarizeBuildFailure } from '../../../src/tools/sandbox/template-errors.ts';

describe('template errors', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'template-errors-'));
    mkdirSync(join(dir, 'en/ForgotPassword'), { recursive: true });
    // The tag opened on line 3, column 10 is never closed (mustache reports the end of the file).
    writeFileSync(join(dir, 'en/ForgotPassword/email.html'), '<p>Hello</p>\n<p>Reset</p>\n<p>Code: {{code</p>\n');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts lines and columns from 1, on the line where the offset falls', () => {
    // Assess
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
    assert.deepEqual(lineAndColumn('ab\ncd\nef', 6), { line: 3, column: 1 });
  });

  it('shows the gallery card error with the file, line and column', () => {
    // Act
    const data = createGallery({ userDir: dir, builtinDir: BUILTIN_TEMPLATES_DIR }).render();

    // Assess
    const card = data.cards.find((c) => c.trigger === 'ForgotPassword' && c.locale === 'en')!;
    const error = card.errors.join('\n');
    assert.match(error, /ForgotPassword\/email\.html:3:10: does not parse/);
    assert.match(error, /line 3, column 10/);
    assert.doesNotMatch(error, / at \d+/);
  });

  it('reduces a failed build to one line per broken template', () => {
    // Prepare: what esbuild prints, the error twice with stack frames around it
    const file = join(dir, 'en/ForgotPassword/email.html');
    const output = [
      `✘ [ERROR] ${file} does not parse: Unclosed tag at 35 [plugin cognito-relay-templates]`,
      '    at failureErrorWithLog (/x/node_modules/esbuild/lib/main.js:1752:15)',
      `Error: Build failed with 1 error:\nsrc/runtime/templates/index.ts:15:83: ERROR: [plugin: cognito-relay-templates] ${file} does not parse: Unclosed tag at 35`,
    ].join('\n');

    // Act
    const summary = summarizeBuildFailure(output, { dirs: [dir] });

    // Assess
    assert.equal(summary.split('\n').length, 1);
    assert.match(summary, /email\.html:3:10: does not parse: Unclosed tag \(line 3, column 10\)$/);
  });

  it('keeps a build failure that is not about a template, without stack frames', () => {
    // Act
    const summary = summarizeBuildFailure('npm run build failed:\nboom\n    at run (/x/build.mjs:3:5)', { dirs: [dir] });

    // Assess
    assert.equal(summary, 'npm run build failed:\nboom');
  });
});
