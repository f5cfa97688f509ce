/**
 * Templates authored in MJML: `email.mjml` next to (instead of) `email.html` is compiled by the
 * real mjml package when the folder is scanned (build, sandbox, CLI) into the same logic-less
 * Mustache template; the Lambda bundle carries the compiled HTML, never MJML.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { embeddedModuleSource, templatesPlugin } from '../../../src/runtime/templates/esbuild-plugin.ts';
import { scanTemplateDir } from '../../../src/runtime/templates/store.ts';
import { rule, templateDir } from './fixtures.ts';
import { sampleTemplateVariables } from '../../../src/runtime/templates/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATES_INDEX = fileURLToPath(new URL('../../../src/runtime/templates/index.ts', import.meta.url));

const SIGN_UP_MJML = `<mjml>
  <mj-body background-color="#f4f5f7">
    <mj-section>
      <mj-column>
        <mj-image src="{{brand.logoUrl}}" alt="{{appName}}" width="120px" />
        <mj-text font-size="20px" color="{{brand.primaryColor}}">Welcome to {{appName}}, {{name}}</mj-text>
        <mj-text font-size="28px" letter-spacing="6px">{{code}}</mj-text>
        <mj-button href="{{brand.supportUrl}}">Help</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

describe('MJML templates', () => {
  it('compile to a whole HTML document that keeps the Mustache tags', () => {
    const dir = templateDir({ 'en/SignUp/email.mjml': SIGN_UP_MJML });
    const scanned = scanTemplateDir(dir);
    assert.deepEqual(scanned.problems, []);
    const html = scanned.files['en/SignUp/email.html'] ?? '';
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /\{\{code\}\}/);
    assert.match(html, /src="\{\{brand\.logoUrl\}\}"/);
    assert.equal(scanned.sources['en/SignUp/email.html'], join(dir, 'en/SignUp/email.mjml'), 'problems name the source the author wrote');
  });

  it('render the code in the built bundle, without MJML in it and without the layout around them', async () => {
    const user = templateDir({ 'en/SignUp/email.mjml': SIGN_UP_MJML, 'en/SignUp/email.subject': 'Welcome to {{appName}}' });
    const outDir = templateDir();
    const entry = join(outDir, 'entry.mjs');
    const vars = { ...sampleTemplateVariables(rule('CustomEmailSender_SignUp'), { appName: 'Shop', locale: 'en', brand: { logoUrl: 'https://shop.example/logo.png', primaryColor: '#0a7d5a' } }), code: '662607' };
    writeFileSync(
      entry,
      `import { createRenderer, defaultTemplateStore } from ${JSON.stringify(TEMPLATES_INDEX)};
const email = createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' }).renderEmail('SignUp', 'en', ${JSON.stringify(vars)});
console.log(JSON.stringify(email));`,
    );
    const outfile = join(outDir, 'bundle.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent', plugins: [templatesPlugin({ userDir: user })] });
    const code = readFileSync(outfile, 'utf8');
    assert.ok(!/mjml-core|<mj-column|mjml2html/.test(code), 'neither MJML nor its source is in the bundle');

    const email = JSON.parse(execFileSync(process.execPath, [outfile], { cwd: outDir, env: { PATH: process.env['PATH'] ?? '', TEMPLATES_DIR: '/nonexistent' }, encoding: 'utf8' })) as {
      subject: string;
      html: string;
      text: string;
    };
    assert.equal(email.subject, 'Welcome to Shop');
    assert.match(email.html, /letter-spacing:6px[^>]*>662607</);
    assert.match(email.html, /color:#0a7d5a[^>]*>Welcome to Shop, Ada</);
    assert.equal((email.html.match(/<html/gi) ?? []).length, 1, 'one document: no built-in layout around it');
    assert.match(email.text, /662607/, 'the text part still comes from the built-in email.txt');
  });

  it('fail the build when the compiled output drops the code, naming the .mjml file', () => {
    const user = templateDir({ 'en/SignUp/email.mjml': SIGN_UP_MJML.replace('{{code}}', 'see the app') });
    const module = embeddedModuleSource({ userDir: user });
    assert.match(module.errors.join('\n'), /en\/SignUp\/email\.html \(as rendered, locale en\): the message does not contain \{\{code\}\}/);
  });

  it('fail the build on an MJML error, and on email.mjml beside email.html', () => {
    const broken = templateDir({ 'en/SignUp/email.mjml': '<mjml><mj-body><mj-section><mj-text>{{code}}</mj-text></mj-section></mj-body></mjml>' });
    assert.match(scanTemplateDir(broken).problems.join('\n'), /email\.mjml does not compile: line 1: mj-text cannot be used inside mj-section/);
    const both = templateDir({ 'en/SignUp/email.mjml': SIGN_UP_MJML, 'en/SignUp/email.html': '<p>{{code}}</p>' });
    assert.match(scanTemplateDir(both).problems.join('\n'), /email\.mjml: email\.html in the same folder also make email\.html; keep one/);
  });
});

const SIGN_UP_TSX = `type Props = { preview?: string };
export default function SignUp({ preview = 'Your code' }: Props) {
  return (
    <html lang="en">
      <body style={{ backgroundColor: '#f4f5f7' }}>
        <img src="{{brand.logoUrl}}" alt="{{appName}}" width={120} />
        <h1 style={{ color: '{{brand.primaryColor}}' }}>{preview}</h1>
        <p style={{ fontSize: 28, letterSpacing: 6 }}>{'{{code}}'}</p>
        {'{{#brand.supportEmail}}'}<p>Help: {'{{.}}'}</p>{'{{/brand.supportEmail}}'}
      </body>
    </html>
  );
}
`;

describe('React Email templates', () => {
  // Inside the project, as a user's templates/ folder is: the component's imports (react) resolve.
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
  const user = mkdtempSync(join(ROOT, 'node_modules/.cache/react-email-templates-'));
  after(() => rmSync(user, { recursive: true, force: true }));
  mkdirSync(join(user, 'en/SignUp'), { recursive: true });
  writeFileSync(join(user, 'en/SignUp/email.tsx'), SIGN_UP_TSX);

  it('email.tsx renders the code in the built bundle, with neither React nor the component in it', async () => {
    const outDir = templateDir();
    const entry = join(outDir, 'entry.mjs');
    const vars = { ...sampleTemplateVariables(rule('CustomEmailSender_SignUp'), { appName: 'Globex', locale: 'en', brand: { primaryColor: '#c0392b', supportEmail: 'help@globex.example' } }), code: '161803' };
    writeFileSync(
      entry,
      `import { createRenderer, defaultTemplateStore } from ${JSON.stringify(TEMPLATES_INDEX)};
console.log(JSON.stringify(createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' }).renderEmail('SignUp', 'en', ${JSON.stringify(vars)})));`,
    );
    const outfile = join(outDir, 'bundle.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent', plugins: [templatesPlugin({ userDir: user })] });
    const code = readFileSync(outfile, 'utf8');
    assert.ok(!/react-dom|createElement|jsx-runtime/.test(code), 'React is not in the bundle');
    const email = JSON.parse(execFileSync(process.execPath, [outfile], { cwd: outDir, env: { PATH: process.env['PATH'] ?? '', TEMPLATES_DIR: '/nonexistent' }, encoding: 'utf8' })) as { html: string };
    assert.match(email.html, /letter-spacing:6px">161803</);
    assert.match(email.html, /color:#c0392b">Your code</);
    // React separates adjacent text nodes with an empty comment.
    assert.match(email.html, /Help: (<!-- -->)?help@globex\.example/);
    assert.equal((email.html.match(/<html/gi) ?? []).length, 1, 'one document: no built-in layout around it');
  });

  it('a component that does not compile fails the scan with its line', () => {
    writeFileSync(join(user, 'en/SignUp/email.tsx'), 'export default function SignUp() {\n  return <p>{{code}</p>;\n}\n');
    assert.match(scanTemplateDir(user).problems.join('\n'), /email\.tsx does not compile: line 2:/);
    writeFileSync(join(user, 'en/SignUp/email.tsx'), SIGN_UP_TSX);
  });
});
