import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TemplateError } from '../../../src/runtime/errors.ts';
import {
  createRenderer,
  createTemplateStore,
  loadTemplateStoreFromDirs,
  resolveTemplate,
} from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR, DEFAULT_USER_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { templateDir, variablesFor } from './fixtures.ts';

describe('user templates', () => {
  it('override a single file while the other files still come from the built-ins', () => {
    const user = templateDir({ 'en/SignUp/email.subject': 'Welcome aboard, {{name}}!\n' });
    const store = loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR], { names: ['user', 'built-in'] });
    const renderer = createRenderer({ store });

    const email = renderer.renderEmail('SignUp', 'en', variablesFor('CustomEmailSender_SignUp'));

    assert.equal(email.subject, 'Welcome aboard, Ada!');
    assert.ok(email.text.startsWith('Verify your email address'), 'built-in text body');
    assert.ok(email.html.includes('Thanks for signing up for Acme.'), 'built-in HTML body');
    assert.equal(resolveTemplate(store, { trigger: 'SignUp', file: 'email.subject', locale: 'en' })?.layer, 'user');
    assert.equal(resolveTemplate(store, { trigger: 'SignUp', file: 'email.html', locale: 'en' })?.layer, 'built-in');
  });

  it('do not leak an English override into another built-in locale', () => {
    const user = templateDir({ 'en/SignUp/email.subject': 'Welcome aboard' });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]) });
    assert.equal(renderer.renderEmail('SignUp', 'de', variablesFor('CustomEmailSender_SignUp')).subject, 'Bestätigen Sie Ihre E-Mail-Adresse');
  });

  it('can replace the footer partial and the layout', () => {
    const user = templateDir({
      'en/_footer.html': 'Acme Inc., 1 Main Street',
      'en/_footer.txt': 'Acme Inc. (text)',
      'de/_layout.txt': '== {{subject}} ==\n{{> content}}',
    });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]) });

    const english = renderer.renderEmail('Authentication', 'en', variablesFor('CustomEmailSender_Authentication'));
    assert.ok(english.html.includes('Acme Inc., 1 Main Street'));
    assert.ok(english.text.trimEnd().endsWith('Acme Inc. (text)'));
    assert.ok(!english.html.includes('This is an automated message'));

    const german = renderer.renderEmail('Authentication', 'de', variablesFor('CustomEmailSender_Authentication'));
    assert.ok(german.text.startsWith('== Ihr Anmeldecode ==\nIhr Anmeldecode'));
    assert.ok(!german.text.includes('automatische Nachricht'), 'the custom text layout has no footer');
  });

  it('accept their own partials', () => {
    const user = templateDir({
      'en/_signature.txt': '-- The {{appName}} team',
      'en/ResendCode/email.txt': 'Code: {{code}}\n{{> signature}}',
    });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]) });
    const { text } = renderer.renderEmail('ResendCode', 'en', variablesFor('CustomEmailSender_ResendCode'));
    assert.ok(text.startsWith('Code: 842913\n-- The Acme team\n'));
  });

  it('render the shipped pt-BR example once copied in', () => {
    const user = templateDir();
    cpSync(join(DEFAULT_USER_TEMPLATES_DIR, '_example', 'pt-BR'), join(user, 'pt-BR'), { recursive: true });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]) });

    const email = renderer.renderEmail('SignUp', 'pt-BR', variablesFor('CustomEmailSender_SignUp'));
    assert.equal(email.subject, 'Confirme seu endereço de e-mail');
    assert.ok(email.html.includes('Olá, Ada!') && email.html.includes('842913'));
    assert.ok(email.html.includes('Mensagem automática enviada por Acme'), 'Portuguese footer');
    const sms = renderer.renderSms('SignUp', 'pt-BR', variablesFor('CustomSMSSender_SignUp'));
    assert.equal(sms.text, 'Acme: Seu codigo de verificacao é 842913. Ele expira em 24 horas.');
    // Triggers the example does not cover fall back to English.
    assert.equal(renderer.renderEmail('ForgotPassword', 'pt-BR', variablesFor('CustomEmailSender_ForgotPassword')).locale, 'en');
  });

  it('ignore the _example folder when it stays where it ships', () => {
    const store = loadTemplateStoreFromDirs([DEFAULT_USER_TEMPLATES_DIR]);
    assert.ok(!store.locales().includes('pt-BR'));
  });
});

describe('template folder checks', () => {
  it('list every misplaced or misspelt entry at once', () => {
    const user = templateDir({
      'en/SignIn/email.subject': 'x',
      'en/SignUp/email.htm': 'x',
      'SignUp/email.subject': 'x',
      'en/AccountTakeOverNotification/sms.txt': 'x',
      'en/_content.html': 'x',
      'en/notes.md': 'x',
      'en/README.md': 'ignored',
      'README.md': 'ignored',
      '_drafts/en/SignUp/email.subject': 'ignored',
    });
    assert.throws(
      () => loadTemplateStoreFromDirs([user]),
      (error: unknown) => {
        assert.ok(error instanceof TemplateError);
        const message = error.message;
        assert.match(message, /SignIn: unknown trigger "SignIn"; expected one of SignUp, ResendCode/);
        assert.match(message, /email\.htm: unexpected file/);
        assert.match(message, /"SignUp" is not a locale folder name/);
        assert.match(message, /Cognito sends AccountTakeOverNotification by email only/);
        assert.match(message, /"content" is reserved/);
        assert.match(message, /notes\.md: unexpected file/);
        assert.doesNotMatch(message, /README|_drafts/);
        return true;
      },
    );
  });

  it('accept locale folders spelt pt_br and read them as pt-BR', () => {
    const user = templateDir({ 'pt_br/SignUp/sms.txt': 'oi {{code}}' });
    const store = loadTemplateStoreFromDirs([user]);
    assert.equal(store.get('pt-BR', 'SignUp', 'sms.txt'), 'oi {{code}}');
    assert.deepEqual(store.locales(), ['pt-BR']);
  });

  it('treat a missing user folder as empty', () => {
    const store = loadTemplateStoreFromDirs(['/nonexistent/cognito-relay-templates', BUILTIN_TEMPLATES_DIR]);
    assert.deepEqual(store.locales(), ['de', 'en', 'fr']);
  });
});

describe('render errors', () => {
  it('name the file that is missing everywhere', () => {
    const store = createTemplateStore([{ name: 'user', files: { 'en/SignUp/email.subject': 'Hi', 'en/SignUp/email.txt': 'x' } }]);
    const renderer = createRenderer({ store });
    assert.throws(() => renderer.renderEmail('SignUp', 'fr', variablesFor('CustomEmailSender_SignUp')), (error: unknown) => {
      assert.ok(error instanceof TemplateError);
      assert.match(error.message, /no template SignUp\/email\.html: looked for locales fr, en in user/);
      return true;
    });
    assert.throws(() => renderer.renderSms('AccountTakeOverNotification', 'en', {}), /no template AccountTakeOverNotification\/sms\.txt/);
  });

  it('name the file that does not parse', () => {
    const store = createTemplateStore([{ name: 'user', files: { 'en/SignUp/sms.txt': 'code {{#code}} never closed' } }]);
    assert.throws(() => createRenderer({ store }).renderSms('SignUp', 'en', { code: '1' }), (error: unknown) => {
      assert.ok(error instanceof TemplateError);
      assert.match(error.message, /template en\/SignUp\/sms\.txt \(user\) does not parse: Unclosed section "code"/);
      return true;
    });
  });

  it('name a partial that does not exist', () => {
    const store = createTemplateStore([{ name: 'user', files: { 'en/SignUp/sms.txt': '{{> signature}} {{code}}' } }]);
    assert.throws(() => createRenderer({ store }).renderSms('SignUp', 'en', { code: '1' }), /partial \{\{> signature\}\} \(used by en\/SignUp\/sms\.txt\) not found: no _signature\.txt/);
  });

  it('refuse a subject that renders empty', () => {
    const store = createTemplateStore([
      { name: 'user', files: { 'en/SignUp/email.subject': '{{missing}}\n', 'en/SignUp/email.html': 'x', 'en/SignUp/email.txt': 'x' } },
    ]);
    assert.throws(() => createRenderer({ store }).renderEmail('SignUp', 'en', {}), /en\/SignUp\/email\.subject \(user\) rendered empty/);
  });
});

describe('hot reload', () => {
  it('picks up an edited, an added and a removed file without a restart', async () => {
    const user = templateDir({ 'en/SignUp/sms.txt': 'first {{code}}' });
    const store = loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR], { hotReload: true });
    const renderer = createRenderer({ store });
    const vars = variablesFor('CustomSMSSender_SignUp');
    assert.equal(renderer.renderSms('SignUp', 'en', vars).text, 'first 842913');

    writeFileSync(join(user, 'en/SignUp/sms.txt'), 'second, longer {{code}}');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(renderer.renderSms('SignUp', 'en', vars).text, 'second, longer 842913');

    mkdirSync(join(user, 'de/SignUp'), { recursive: true });
    writeFileSync(join(user, 'de/SignUp/sms.txt'), 'neu {{code}}');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(renderer.renderSms('SignUp', 'de', vars).text, 'neu 842913');

    rmSync(join(user, 'en/SignUp/sms.txt'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(renderer.renderSms('SignUp', 'en', vars).text, 'Acme: Your verification code is 842913. It expires in 24 hours.');
  });
});
