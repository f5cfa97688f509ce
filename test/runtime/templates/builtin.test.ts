import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TRIGGERS } from '../../../src/runtime/cognito/triggers.ts';
import { createRenderer, loadTemplateStoreFromDirs } from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { variablesFor } from './fixtures.ts';

const BUILTIN_LOCALES = ['en', 'fr', 'de'];
const store = loadTemplateStoreFromDirs([BUILTIN_TEMPLATES_DIR]);
const renderer = createRenderer({ store, defaultLocale: 'en' });

// GSM 03.38 basic alphabet; the extension table's characters cost two.
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€');

function gsm7Length(text: string): number | undefined {
  let length = 0;
  for (const char of text) {
    if (GSM7_BASIC.has(char)) length += 1;
    else if (GSM7_EXTENSION.has(char)) length += 2;
    else return undefined;
  }
  return length;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

describe('built-in templates', () => {
  for (const locale of BUILTIN_LOCALES) {
    for (const trigger of TRIGGERS) {
      it(`renders ${trigger.source} in ${locale} completely`, () => {
        const code = trigger.codeIsTemporaryPassword ? 'Xk4-pq9Rz' : '842913';
        const vars = variablesFor(trigger.source, { code, locale });
        if (trigger.channel === 'email') {
          const email = renderer.renderEmail(trigger.name, locale, vars);
          assert.equal(email.locale, locale, 'every built-in locale has its own version of every file');
          for (const [part, value] of Object.entries({ subject: email.subject, html: email.html, text: email.text })) {
            assert.ok(value.trim().length > 0, `${part} is empty`);
            assert.ok(!value.includes('{{') && !value.includes('}}'), `${part} has an unrendered tag`);
          }
          assert.doesNotMatch(email.subject, /[\r\n]/);
          assert.match(email.html, /^<!DOCTYPE html>/);
          assert.match(email.html, new RegExp(`<html lang="${locale}"`));
          assert.ok(email.html.includes('Acme'), 'shows the app name');
          if (trigger.needsCode) {
            assert.ok(email.html.includes(code), 'HTML shows the code');
            assert.ok(email.text.includes(code), 'text shows the code');
          }
        } else {
          const sms = renderer.renderSms(trigger.name, locale, vars);
          assert.equal(sms.locale, locale);
          assert.ok(sms.text.includes('842913') || sms.text.includes(code));
          assert.ok(sms.text.startsWith('Acme'), 'starts with the app name');
          assert.ok(!sms.text.includes('{{'));
        }
      });
    }
  }

  it('keeps every SMS within one GSM-7 segment with a 6-digit code and a short username', () => {
    for (const locale of BUILTIN_LOCALES) {
      for (const trigger of TRIGGERS.filter((t) => t.channel === 'sms')) {
        const vars = variablesFor(trigger.source, { code: '842913', userName: 'ada', locale, appName: 'Acme' });
        const { text } = renderer.renderSms(trigger.name, locale, vars);
        const length = gsm7Length(text);
        assert.notEqual(length, undefined, `${locale} ${trigger.name} uses a character outside GSM-7: ${text}`);
        assert.ok(length! <= 160, `${locale} ${trigger.name} is ${length} characters: ${text}`);
      }
    }
  });

  it('leaves the app name out cleanly when none is configured', () => {
    const vars = variablesFor('CustomSMSSender_SignUp', { appName: '' });
    assert.equal(renderer.renderSms('SignUp', 'en', vars).text, 'Your verification code is 842913. It expires in 24 hours.');
    const email = renderer.renderEmail('ForgotPassword', 'en', variablesFor('CustomEmailSender_ForgotPassword', { appName: '' }));
    assert.ok(email.text.includes('reset the password for your account.'));
    assert.ok(!email.html.includes('class="cr-brand"'), 'no empty brand header');
  });

  it('says how long each code is valid', () => {
    const expiry: Record<string, string> = {
      SignUp: '24 hours',
      ResendCode: '24 hours',
      ForgotPassword: '1 hour',
      UpdateUserAttribute: '24 hours',
      VerifyUserAttribute: '24 hours',
      Authentication: 'a few minutes',
    };
    for (const [name, wording] of Object.entries(expiry)) {
      const email = renderer.renderEmail(name as never, 'en', variablesFor(`CustomEmailSender_${name}`));
      assert.ok(email.text.includes(`expires in ${wording}`), `${name}: ${email.text}`);
    }
  });

  it('greets the user by given name, and without a name when there is none', () => {
    const named = renderer.renderEmail('SignUp', 'de', variablesFor('CustomEmailSender_SignUp', { locale: 'de' }));
    assert.ok(named.text.includes('Hallo Ada,'));
    const anonymous = renderer.renderEmail(
      'SignUp',
      'de',
      variablesFor('CustomEmailSender_SignUp', { locale: 'de', userAttributes: { email: 'x@example.com' } }),
    );
    assert.ok(!anonymous.text.includes('Hallo'));
    assert.ok(!anonymous.html.includes('Hallo'));
  });

  it('never uses unescaped mustache tags ({{{ }}} or {{& }})', () => {
    for (const file of allFiles(BUILTIN_TEMPLATES_DIR)) {
      const text = readFileSync(file, 'utf8');
      assert.ok(!text.includes('{{{') && !/\{\{\s*&/.test(text), `${file} inserts a value unescaped`);
    }
  });
});
