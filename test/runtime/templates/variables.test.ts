import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TEMPLATE_VARIABLES, buildTemplateVariables } from '../../../src/runtime/templates/index.ts';
import { DEFAULT_USER_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { ATO_ATTRIBUTES, rule } from './fixtures.ts';

const base = {
  userName: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d',
  userPoolId: 'eu-west-1_AbCdEf123',
  region: 'eu-west-1',
  appName: 'Acme',
  locale: 'en',
};

describe('buildTemplateVariables', () => {
  it('exposes the code, the sign-in username, every attribute and the trigger', () => {
    const vars = buildTemplateVariables({
      ...base,
      rule: rule('CustomSMSSender_AdminCreateUser'),
      code: 'Tmp<Pass>1',
      userAttributes: { email: 'ada@example.com', preferred_username: 'ada', 'custom:plan': 'pro' },
      clientMetadata: { source: 'admin-console' },
    });
    assert.equal(vars.code, 'Tmp<Pass>1');
    assert.equal(vars.username, '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d');
    assert.equal(vars.user['custom:plan'], 'pro');
    assert.deepEqual(vars.clientMetadata, { source: 'admin-console' });
    assert.equal(vars.trigger, 'AdminCreateUser');
    assert.equal(vars.triggerSource, 'CustomSMSSender_AdminCreateUser');
    assert.equal(vars.channel, 'sms');
    assert.equal(vars.name, '');
    assert.equal(vars.signIn, undefined);
  });

  it('takes the greeting name from given_name, then name', () => {
    const make = (userAttributes: Record<string, string>) =>
      buildTemplateVariables({ ...base, rule: rule('CustomEmailSender_SignUp'), code: '1', userAttributes, clientMetadata: null }).name;
    assert.equal(make({ given_name: 'Ada', name: 'Ada Lovelace' }), 'Ada');
    assert.equal(make({ name: 'Ada Lovelace' }), 'Ada Lovelace');
    assert.equal(make({ given_name: '', name: 'Ada Lovelace' }), 'Ada Lovelace');
  });

  it('turns a null clientMetadata into an empty object', () => {
    const vars = buildTemplateVariables({ ...base, rule: rule('CustomEmailSender_SignUp'), code: '1', userAttributes: {}, clientMetadata: null });
    assert.deepEqual(vars.clientMetadata, {});
  });

  it('describes an AccountTakeOverNotification sign-in, in the user zone and language when known', () => {
    const vars = buildTemplateVariables({
      ...base,
      locale: 'de',
      rule: rule('CustomEmailSender_AccountTakeOverNotification'),
      userAttributes: { ...ATO_ATTRIBUTES, zoneinfo: 'Europe/Berlin' },
      clientMetadata: null,
    });
    assert.equal(vars.code, undefined);
    assert.match(vars.signIn!.time, /^1\. Dezember 2023.* 11:30 MEZ$/, 'Berlin time, in German');
    assert.equal(vars.signIn!.timeRaw, '2023-12-01T10:30:00Z');
    assert.equal(vars.signIn!.timeIso, '2023-12-01T10:30:00.000Z');
    assert.equal(vars.signIn!.location, 'Lyon, France');
    assert.equal(vars.signIn!.device, 'Firefox on Windows');
    assert.deepEqual(vars.links, {
      confirm: 'https://auth.example.com/feedback?event=evt-1&valid=true',
      deny: 'https://auth.example.com/feedback?event=evt-1&valid=false',
    });
    assert.deepEqual(vars.action, { type: 'BLOCK', blocked: true, mfa: false, noAction: false });
  });

  it('reads epoch LOGIN_TIME values and keeps unreadable ones as sent', () => {
    const timeOf = (LOGIN_TIME: string) =>
      buildTemplateVariables({
        ...base,
        rule: rule('CustomEmailSender_AccountTakeOverNotification'),
        userAttributes: { ...ATO_ATTRIBUTES, LOGIN_TIME, zoneinfo: 'Not/AZone' },
        clientMetadata: null,
      }).signIn!;
    assert.equal(timeOf('1701426600').timeIso, '2023-12-01T10:30:00.000Z');
    assert.equal(timeOf('1701426600000').timeIso, '2023-12-01T10:30:00.000Z');
    assert.match(timeOf('1701426600').time, /^December 1, 2023.* 10:30 AM UTC$/, 'unknown zone falls back to UTC');
    assert.deepEqual(
      { time: timeOf('yesterday-ish').time, iso: timeOf('yesterday-ish').timeIso },
      { time: 'yesterday-ish', iso: '' },
    );
  });

  it('flags MFA and no-action outcomes', () => {
    const actionOf = (ACCOUNT_TAKE_OVER_ACTION: string) =>
      buildTemplateVariables({
        ...base,
        rule: rule('CustomEmailSender_AccountTakeOverNotification'),
        userAttributes: { ...ATO_ATTRIBUTES, ACCOUNT_TAKE_OVER_ACTION },
        clientMetadata: null,
      }).action;
    assert.deepEqual(actionOf('MFA_IF_CONFIGURED'), { type: 'MFA_IF_CONFIGURED', blocked: false, mfa: true, noAction: false });
    assert.deepEqual(actionOf('NO_ACTION'), { type: 'NO_ACTION', blocked: false, mfa: false, noAction: true });
  });
});

describe('TEMPLATE_VARIABLES', () => {
  it('are all documented in templates/README.md', () => {
    const readme = readFileSync(join(DEFAULT_USER_TEMPLATES_DIR, 'README.md'), 'utf8');
    for (const variable of TEMPLATE_VARIABLES) {
      assert.ok(readme.includes(`| \`${variable.name}\` |`), `${variable.name} is missing from the README table`);
    }
  });
});
