import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRenderer, loadTemplateStoreFromDirs, normalizeLocale, resolveLocale } from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { templateDir, variablesFor } from './fixtures.ts';

describe('normalizeLocale', () => {
  it('writes tags the canonical way', () => {
    assert.equal(normalizeLocale('fr_FR'), 'fr-FR');
    assert.equal(normalizeLocale('FR-fr'), 'fr-FR');
    assert.equal(normalizeLocale('zh_hant_tw'), 'zh-Hant-TW');
    assert.equal(normalizeLocale('es-419'), 'es-419');
    assert.equal(normalizeLocale(' de '), 'de');
  });

  it('reads POSIX locales and Accept-Language lists', () => {
    assert.equal(normalizeLocale('pt_BR.UTF-8'), 'pt-BR');
    assert.equal(normalizeLocale('fr-CH, fr;q=0.9, en;q=0.8'), 'fr-CH');
  });

  it('rejects values that are not language tags', () => {
    for (const junk of ['../../etc', 'en/../../x', 'fr%2F..', '', 'x', 'english', 'en-', 'en--US', '<b>', 'a'.repeat(60), 42, null, undefined]) {
      assert.equal(normalizeLocale(junk), undefined, String(junk));
    }
  });
});

describe('resolveLocale', () => {
  it('prefers clientMetadata.locale, then the locale attribute, then custom:locale, then the default', () => {
    const attributes = { locale: 'de_AT', 'custom:locale': 'it' };
    assert.equal(resolveLocale({ clientMetadata: { locale: 'fr_CA' }, userAttributes: attributes, defaultLocale: 'en' }), 'fr-CA');
    assert.equal(resolveLocale({ clientMetadata: null, userAttributes: attributes, defaultLocale: 'en' }), 'de-AT');
    assert.equal(resolveLocale({ clientMetadata: {}, userAttributes: { 'custom:locale': 'it' }, defaultLocale: 'en' }), 'it');
    assert.equal(resolveLocale({ clientMetadata: null, userAttributes: {}, defaultLocale: 'es' }), 'es');
    assert.equal(resolveLocale({}), 'en');
  });

  it('skips a hostile value and uses the next source', () => {
    assert.equal(resolveLocale({ clientMetadata: { locale: '../../etc' }, userAttributes: { locale: 'de' }, defaultLocale: 'en' }), 'de');
    assert.equal(resolveLocale({ clientMetadata: { locale: '../../etc' }, userAttributes: {}, defaultLocale: '../x' }), 'en');
  });
});

describe('locale fallback when rendering', () => {
  const builtin = loadTemplateStoreFromDirs([BUILTIN_TEMPLATES_DIR]);

  it('uses the language when the region has no templates (fr-CA → fr)', () => {
    const renderer = createRenderer({ store: builtin, defaultLocale: 'en' });
    const email = renderer.renderEmail('SignUp', 'fr-CA', variablesFor('CustomEmailSender_SignUp', { locale: 'fr-CA' }));
    assert.equal(email.locale, 'fr');
    assert.equal(email.subject, 'Confirmez votre adresse e-mail');
  });

  it('uses the configured default, then English, for an unknown locale', () => {
    const german = createRenderer({ store: builtin, defaultLocale: 'de' });
    assert.equal(german.renderSms('Authentication', 'xx', variablesFor('CustomSMSSender_Authentication')).locale, 'de');
    const english = createRenderer({ store: builtin, defaultLocale: 'xx' });
    const sms = english.renderSms('Authentication', 'xx', variablesFor('CustomSMSSender_Authentication'));
    assert.equal(sms.locale, 'en');
    assert.equal(sms.text, "Acme: Your sign-in code is 842913. Don't share it with anyone.");
  });

  it('ignores a path-traversal locale and renders the default', () => {
    const renderer = createRenderer({ store: builtin, defaultLocale: 'en' });
    const email = renderer.renderEmail('ForgotPassword', '../../etc', variablesFor('CustomEmailSender_ForgotPassword'));
    assert.equal(email.locale, 'en');
    assert.equal(email.subject, 'Reset your password');
  });

  it('tries the user folder in the language before a built-in in the exact locale', () => {
    const user = templateDir({ 'pt/SignUp/sms.txt': 'user pt {{code}}' });
    const fakeBuiltin = templateDir({ 'pt-BR/SignUp/sms.txt': 'builtin pt-BR {{code}}', 'en/SignUp/sms.txt': 'builtin en {{code}}' });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, fakeBuiltin]) });
    assert.equal(renderer.renderSms('SignUp', 'pt-BR', variablesFor('CustomSMSSender_SignUp')).text, 'user pt 842913');
  });

  it('tries the user default locale before the built-in one', () => {
    const user = templateDir({ 'nl/SignUp/sms.txt': 'user nl {{code}}' });
    const fakeBuiltin = templateDir({ 'nl/SignUp/sms.txt': 'builtin nl {{code}}', 'en/SignUp/sms.txt': 'builtin en {{code}}' });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, fakeBuiltin]), defaultLocale: 'nl' });
    const sms = renderer.renderSms('SignUp', 'ja', variablesFor('CustomSMSSender_SignUp'));
    assert.deepEqual(sms, { text: 'user nl 842913', locale: 'nl' });
  });
});
