/**
 * The `link` template variables: what lands in the URL, and where. The fragment is read back with
 * the WHATWG URL parser (the browser's), not with our own code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTemplateVariables, checkLinkBaseUrl, createRenderer, defaultTemplateStore } from '../../src/runtime/templates/index.ts';
import { rule } from '../runtime/templates/fixtures.ts';

const base = {
  userName: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d',
  userAttributes: { email: 'ada+test@example.com', given_name: 'Ada' },
  clientMetadata: null,
  userPoolId: 'eu-west-1_AbCdEf123',
  region: 'eu-west-1',
  appName: 'Acme & Co',
  locale: 'fr',
  code: '123456',
  clientId: '6u7c9vr3pkstoog',
  linkBaseUrl: 'https://acme.example/verify',
};

function fragmentOf(url: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(new URL(url).hash.slice(1)));
}

describe('link variables', () => {
  it('SignUp / ResendCode confirm, ForgotPassword resets, attribute triggers verify, Authentication signs in on the same device', () => {
    const actions = Object.fromEntries(
      ['SignUp', 'ResendCode', 'ForgotPassword', 'UpdateUserAttribute', 'VerifyUserAttribute', 'Authentication'].map((name) => {
        const link = buildTemplateVariables({ ...base, rule: rule(`CustomEmailSender_${name}`) }).link;
        return [name, `${link?.action}/${link?.sameDeviceOnly}`];
      }),
    );
    assert.deepEqual(actions, {
      SignUp: 'confirm/false',
      ResendCode: 'confirm/false',
      ForgotPassword: 'reset/false',
      UpdateUserAttribute: 'verify/false',
      VerifyUserAttribute: 'verify/false',
      Authentication: 'signin/true',
    });
  });

  it('puts code, username, client and the rest in the fragment only; path and query are the base URL', () => {
    const { link } = buildTemplateVariables({ ...base, rule: rule('CustomEmailSender_SignUp') });
    const url = new URL(link?.url ?? '');
    assert.equal(`${url.origin}${url.pathname}${url.search}`, 'https://acme.example/verify');
    assert.deepEqual(fragmentOf(link?.url ?? ''), {
      action: 'confirm',
      code: '123456',
      username: base.userName,
      client: '6u7c9vr3pkstoog',
      region: 'eu-west-1',
      to: 'ada+test@example.com',
      app: 'Acme & Co',
      lang: 'fr',
    });
  });

  it('names the attribute to verify: email for email, phone_number for SMS', () => {
    const email = buildTemplateVariables({ ...base, rule: rule('CustomEmailSender_VerifyUserAttribute') }).link;
    const sms = buildTemplateVariables({ ...base, userAttributes: { phone_number: '+33612345678' }, rule: rule('CustomSMSSender_UpdateUserAttribute') }).link;
    assert.equal(fragmentOf(email?.url ?? '').attribute, 'email');
    assert.equal(fragmentOf(sms?.url ?? '').attribute, 'phone_number');
    assert.equal(fragmentOf(sms?.url ?? '').to, '+33612345678');
  });

  it('makes no link without LINK_BASE_URL, for AdminCreateUser (temporary password) and ATO, or when ConfirmSignUp would lack its client id', () => {
    assert.equal(buildTemplateVariables({ ...base, linkBaseUrl: undefined, rule: rule('CustomEmailSender_SignUp') }).link, undefined);
    assert.equal(buildTemplateVariables({ ...base, rule: rule('CustomEmailSender_AdminCreateUser') }).link, undefined);
    assert.equal(buildTemplateVariables({ ...base, code: undefined, rule: rule('CustomEmailSender_AccountTakeOverNotification') }).link, undefined);
    assert.equal(buildTemplateVariables({ ...base, clientId: undefined, rule: rule('CustomEmailSender_SignUp') }).link, undefined);
    assert.equal(buildTemplateVariables({ ...base, clientId: 'CLIENT_ID_NOT_APPLICABLE', rule: rule('CustomEmailSender_ForgotPassword') }).link, undefined);
    // Verification needs the user's session, not the client: the link stays.
    assert.equal(buildTemplateVariables({ ...base, clientId: undefined, rule: rule('CustomEmailSender_UpdateUserAttribute') }).link?.action, 'verify');
  });

  it('the built-in emails show the link first and keep the code, in en, fr and de; without a link they read as before', () => {
    const renderer = createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' });
    for (const locale of ['en', 'fr', 'de']) {
      for (const trigger of ['SignUp', 'ResendCode', 'ForgotPassword', 'UpdateUserAttribute', 'VerifyUserAttribute', 'Authentication'] as const) {
        const vars = buildTemplateVariables({ ...base, locale, rule: rule(`CustomEmailSender_${trigger}`) });
        const email = renderer.renderEmail(trigger, locale, vars);
        const href = /href="([^"]+)"/.exec(email.html)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x2F;/g, '/');
        assert.equal(href, vars.link?.url, `${locale}/${trigger}: the HTML button`);
        assert.ok(email.text.includes(vars.link?.url ?? '?'), `${locale}/${trigger}: the text link`);
        if (trigger !== 'Authentication') assert.ok(email.html.indexOf(href ?? '') < email.html.indexOf('>123456<'), `${locale}/${trigger}: link before code`);
        assert.ok(email.html.includes('123456') && email.text.includes('123456'), `${locale}/${trigger}: the code stays`);
        const plain = renderer.renderEmail(trigger, locale, buildTemplateVariables({ ...base, linkBaseUrl: undefined, locale, rule: rule(`CustomEmailSender_${trigger}`) }));
        assert.ok(!plain.html.includes('href=') && !plain.text.includes('https://'), `${locale}/${trigger}: no link without LINK_BASE_URL`);
      }
    }
  });
});

describe('checkLinkBaseUrl', () => {
  it('accepts https, and http on loopback only', () => {
    assert.equal(checkLinkBaseUrl('https://acme.example/verify'), 'https://acme.example/verify');
    assert.equal(checkLinkBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/');
    assert.equal(checkLinkBaseUrl('http://localhost:3000/verify'), 'http://localhost:3000/verify');
  });

  it('refuses, naming the setting: plain http elsewhere, other schemes, fragments, credentials, relative URLs', () => {
    assert.throws(() => checkLinkBaseUrl('http://acme.example/'), /LINK_BASE_URL must use https/);
    assert.throws(() => checkLinkBaseUrl('javascript:alert(1)'), /LINK_BASE_URL must use https/);
    assert.throws(() => checkLinkBaseUrl('https://acme.example/#x'), /LINK_BASE_URL must not contain a fragment/);
    assert.throws(() => checkLinkBaseUrl('https://user:pw@acme.example/'), /LINK_BASE_URL must not contain credentials/);
    assert.throws(() => checkLinkBaseUrl('/verify'), /LINK_BASE_URL must be an absolute URL/);
  });
});
