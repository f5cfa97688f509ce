import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { TRIGGERS } from '../../../src/runtime/cognito/triggers.ts';
import { templatesPlugin } from '../../../src/runtime/templates/esbuild-plugin.ts';
import { createRenderer, loadTemplateStoreFromDirs, sampleTemplateVariables } from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { rule, templateDir } from './fixtures.ts';

const TEMPLATES_INDEX = fileURLToPath(new URL('../../../src/runtime/templates/index.ts', import.meta.url));
const TRIGGERS_MODULE = fileURLToPath(new URL('../../../src/runtime/cognito/triggers.ts', import.meta.url));
// One set of variables for every trigger: ATO sections and the code both have something to show.
const VARS = {
  ...sampleTemplateVariables(rule('CustomEmailSender_AccountTakeOverNotification'), { appName: 'Acme', locale: 'en' }),
  code: '842913',
  name: 'Ada',
};

/** Bundles a tiny entry that renders through the default store, into a folder outside the repo. */
async function bundle(userDir: string) {
  const outDir = templateDir();
  const entry = join(outDir, 'entry.mjs');
  writeFileSync(
    entry,
    `import { TRIGGERS } from ${JSON.stringify(TRIGGERS_MODULE)};
import { createRenderer, defaultTemplateStore, templatesSource } from ${JSON.stringify(TEMPLATES_INDEX)};
const renderer = createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' });
const vars = ${JSON.stringify(VARS)};
const renders = {};
for (const trigger of TRIGGERS) {
  for (const locale of ['en', 'fr', 'de']) {
    renders[trigger.name + '/' + trigger.channel + '/' + locale] = trigger.channel === 'email'
      ? renderer.renderEmail(trigger.name, locale, vars)
      : renderer.renderSms(trigger.name, locale, vars);
  }
}
console.log(JSON.stringify({ source: templatesSource, renders }));
`,
  );
  const outfile = join(outDir, 'bundle.mjs');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    plugins: [templatesPlugin({ userDir })],
  });
  return { outDir, outfile, result };
}

describe('templatesPlugin', () => {
  it('embeds the user folder and the built-ins so the bundle renders without reading template files', async () => {
    const user = templateDir({ 'en/SignUp/email.subject': 'Bundled subject marker-7731 for {{name}}' });
    const { outDir, outfile } = await bundle(user);

    const code = readFileSync(outfile, 'utf8');
    assert.ok(code.includes('marker-7731'), 'the user template is inside the bundle');
    assert.ok(!code.includes('a bundle must be built with templatesPlugin'), 'the development loader was replaced');

    // Run from a folder with no templates nearby, and point TEMPLATES_DIR nowhere: only the
    // embedded copies can answer.
    const output = JSON.parse(
      execFileSync(process.execPath, [outfile], {
        cwd: outDir,
        env: { PATH: process.env['PATH'] ?? '', TEMPLATES_DIR: '/nonexistent' },
        encoding: 'utf8',
      }),
    );
    assert.equal(output.source, 'embedded');
    assert.equal(output.renders['SignUp/email/en'].subject, 'Bundled subject marker-7731 for Ada');
    assert.equal(output.renders['SignUp/email/fr'].subject, 'Confirmez votre adresse e-mail');
    assert.equal(
      output.renders['ForgotPassword/sms/de'].text,
      'Acme: Ihr Code zum Zurücksetzen des Passworts lautet 842913. Er ist eine Stunde gültig. Nicht angefordert? Dann ignorieren Sie diese Nachricht.',
    );

    // Embedded templates (layouts and partials as build-time tokens) render exactly like the same files read from disk.
    const fromDisk = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]), defaultLocale: 'en' });
    for (const trigger of TRIGGERS) {
      for (const locale of ['en', 'fr', 'de']) {
        const key = `${trigger.name}/${trigger.channel}/${locale}`;
        const expected = trigger.channel === 'email' ? fromDisk.renderEmail(trigger.name, locale, VARS) : fromDisk.renderSms(trigger.name, locale, VARS);
        assert.deepEqual(output.renders[key], expected, key);
      }
    }
  });

  it('fails the build with the path of a template that does not parse or is misplaced', async () => {
    const user = templateDir({ 'en/SignUp/sms.txt': '{{#code}} unclosed', 'en/Signin/email.subject': 'x' });
    await assert.rejects(bundle(user), (error: Error & { errors?: Array<{ text: string }> }) => {
      const texts = (error.errors ?? []).map((e) => e.text).join('\n');
      assert.match(texts, /en\/SignUp\/sms\.txt does not parse: Unclosed section "code"/);
      assert.match(texts, /Signin: unknown trigger/);
      return true;
    });
  });
  it('fails the build when a template would send a message without the code, naming file, line and column', async () => {
    // Valid Mustache: one brace short, `{{name}, your code is {{code}}` is a single tag.
    const user = templateDir({ 'en/SignUp/email.html': '<h1>Welcome</h1>\n<p>Hi {{name}, your code is {{code}}</p>\n' });
    await assert.rejects(bundle(user), (error: Error & { errors?: Array<{ text: string }> }) => {
      const texts = (error.errors ?? []).map((e) => e.text).join('\n');
      assert.match(texts, /en\/SignUp\/email\.html:2:7: unknown variable/);
      assert.match(texts, /en\/SignUp\/email\.html \(as rendered, locale en\): the message does not contain \{\{code\}\}/);
      return true;
    });
  });
});
