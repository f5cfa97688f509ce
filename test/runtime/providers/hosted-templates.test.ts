import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadHostedTemplates } from '../../../src/runtime/config/hosted-templates.ts';
import { PROVIDER_LOADERS } from '../../../src/runtime/providers/registry.ts';

/** Each provider's own `hostedTemplateId`, gathered from its definition (in registry order). */
const HOSTED_TEMPLATE_IDS: Record<string, { pattern: RegExp; example: string }> = {};
for (const loaders of [PROVIDER_LOADERS.email, PROVIDER_LOADERS.sms]) {
  for (const load of Object.values(loaders)) {
    const definition = (await load()).default;
    if (definition.hostedTemplateId) HOSTED_TEMPLATE_IDS[definition.name] ??= definition.hostedTemplateId;
  }
}

const FILE = 'templates/provider-templates.json';
/** A deployment configuring every provider: the rules are each definition's own. */
const EVERY_PROVIDER = {
  configured: new Map([...[...Object.keys(PROVIDER_LOADERS.email), ...Object.keys(PROVIDER_LOADERS.sms)].map((name) => [name, undefined] as const), ...Object.entries(HOSTED_TEMPLATE_IDS)]),
  known: new Set([...Object.keys(PROVIDER_LOADERS.email), ...Object.keys(PROVIDER_LOADERS.sms)]),
};

describe('hosted templates: loading the mapping', () => {
  it('knows the id format of exactly the providers that can send a template they host, from their own definitions', () => {
    assert.deepEqual(Object.keys(HOSTED_TEMPLATE_IDS).sort(), [
      'bird', 'brevo', 'mailgun', 'mandrill', 'postmark', 'resend', 'sendgrid', 'ses', 'sparkpost', 'twilio', 'webhook',
    ]);
  });

  it('merges the bundled file and PROVIDER_TEMPLATES, the variable winning per provider and trigger', () => {
    const { lookup, problems } = loadHostedTemplates(
      [
        { json: JSON.stringify({ postmark: { SignUp: 'signup-file', ForgotPassword: 'reset-file' }, ses: { AdminCreateUser: 'Invite' } }), source: FILE },
        { json: JSON.stringify({ postmark: { SignUp: { en: 'signup-env', fr: 'signup-env-fr' } } }), source: 'PROVIDER_TEMPLATES' },
      ],
      EVERY_PROVIDER,
    );
    assert.deepEqual(problems, []);
    assert.equal(lookup.find('postmark', 'SignUp', 'fr-CA'), 'signup-env-fr');
    assert.equal(lookup.find('postmark', 'ForgotPassword', 'en'), 'reset-file');
    assert.equal(lookup.find('ses', 'AdminCreateUser', 'en'), 'Invite');
    assert.equal(lookup.find('postmark', 'ResendCode', 'en'), undefined, 'no mapping: the local template');
  });

  it('refuses, at cold start, a provider that cannot send hosted templates or an unknown one', () => {
    const { problems } = loadHostedTemplates([{ json: JSON.stringify({ vonage: { SignUp: 'x' }, sendgird: { SignUp: 'd-1' } }), source: 'PROVIDER_TEMPLATES' }], EVERY_PROVIDER);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /PROVIDER_TEMPLATES\.vonage: vonage cannot send provider-hosted templates; sendgrid, mailgun, .* can/);
    assert.match(problems[1] ?? '', /PROVIDER_TEMPLATES\.sendgird/);
  });

  it("refuses ids that do not have the provider's shape, naming where and giving an example", () => {
    const { problems } = loadHostedTemplates(
      [
        {
          json: JSON.stringify({ brevo: { SignUp: 'otp-code' }, twilio: { Authentication: { fr: 'HX123' } }, sendgrid: { SignUp: 'd-0123456789abcdef0123456789abcdef' } }),
          source: FILE,
        },
      ],
      EVERY_PROVIDER,
    );
    assert.deepEqual(problems, [
      `${FILE}.brevo.SignUp: "otp-code" is not a brevo template id, e.g. 12`,
      `${FILE}.twilio.Authentication.fr: "HX123" is not a twilio template id, e.g. HX0123456789abcdef0123456789abcdef`,
    ]);
  });

  it('reports a broken source by its name and ignores absent ones', () => {
    const { problems } = loadHostedTemplates([{ json: undefined, source: FILE }, { json: '{"postmark":', source: 'PROVIDER_TEMPLATES' }], EVERY_PROVIDER);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^PROVIDER_TEMPLATES is not valid JSON/);
  });
});
