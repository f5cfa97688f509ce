import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRenderer, loadTemplateStoreFromDirs } from '../../../src/runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { ATO_ATTRIBUTES, templateDir, variablesFor } from './fixtures.ts';

const builtinOnly = createRenderer({ store: loadTemplateStoreFromDirs([BUILTIN_TEMPLATES_DIR]) });

describe('escaping', () => {
  const hostileNames: Array<[string, string]> = [
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;&#x2F;script&gt;'],
    ['"><img src=x onerror=alert(1)>', '&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'],
  ];

  for (const [hostile, escaped] of hostileNames) {
    it(`escapes the given name ${JSON.stringify(hostile)} in HTML and keeps it verbatim in text`, () => {
      const vars = variablesFor('CustomEmailSender_SignUp', { userAttributes: { email: 'ada@example.com', given_name: hostile } });
      const email = builtinOnly.renderEmail('SignUp', 'en', vars);

      assert.ok(!email.html.includes('<script>'), 'no live script tag');
      assert.ok(!email.html.includes('<img'), 'no live img tag');
      assert.ok(email.html.includes(`Hi ${escaped},`), `escaped greeting missing in:\n${email.html}`);
      assert.ok(email.text.includes(`Hi ${hostile},`), 'text shows the name as typed');
    });
  }

  it('keeps a user template subject on one line when a value carries CR/LF', () => {
    const user = templateDir({ 'en/SignUp/email.subject': 'Welcome {{name}}\n' });
    const renderer = createRenderer({ store: loadTemplateStoreFromDirs([user, BUILTIN_TEMPLATES_DIR]) });
    const vars = variablesFor('CustomEmailSender_SignUp', { userAttributes: { given_name: 'Ada\r\nBcc: evil@x' } });

    const email = renderer.renderEmail('SignUp', 'en', vars);

    assert.equal(email.subject, 'Welcome Ada Bcc: evil@x');
    assert.ok(email.html.includes('<title>Welcome Ada Bcc: evil@x</title>'));
  });

  it('shows the AdminCreateUser username and a temporary password with < > & escaped once in HTML and raw in text', () => {
    const password = 'p<a>&ss"9';
    const vars = variablesFor('CustomEmailSender_AdminCreateUser', { code: password, userName: 'grace.hopper' });

    const email = builtinOnly.renderEmail('AdminCreateUser', 'en', vars);

    assert.ok(email.html.includes('p&lt;a&gt;&amp;ss&quot;9'), 'escaped once');
    assert.ok(!email.html.includes('&amp;lt;') && !email.html.includes('&amp;gt;'), 'not escaped twice');
    assert.ok(email.html.includes('grace.hopper'));
    assert.ok(email.text.includes(`Temporary password: ${password}`));
    assert.ok(email.text.includes('Username: grace.hopper'));
    assert.ok(email.text.includes('choose a new password the first time you sign in'));

    const sms = builtinOnly.renderSms('AdminCreateUser', 'en', variablesFor('CustomSMSSender_AdminCreateUser', { code: password, userName: 'grace.hopper' }));
    assert.ok(sms.text.includes(`temporary password is ${password}.`));
    assert.ok(sms.text.includes('grace.hopper'));
  });

  it('shows the sign-in details of an AccountTakeOverNotification and both one-click links', () => {
    const email = builtinOnly.renderEmail('AccountTakeOverNotification', 'en', variablesFor('CustomEmailSender_AccountTakeOverNotification'));

    for (const part of [email.html, email.text]) {
      assert.ok(part.includes('December 1, 2023'), 'date');
      assert.ok(part.includes('10:30'), 'time');
      assert.ok(part.includes('198.51.100.23'), 'IP');
      assert.ok(part.includes('Lyon, France'), 'city and country');
      assert.ok(part.includes('Firefox on Windows'), 'device');
      assert.ok(part.includes('This was me'));
      assert.ok(part.includes('This wasn’t me — secure my account'));
    }
    assert.match(email.subject, /blocked/);
    // Links are attribute values: escaped (& → &amp;, / → &#x2F;, = → &#x3D;), which browsers decode.
    assert.ok(email.html.includes('href="https:&#x2F;&#x2F;auth.example.com&#x2F;feedback?event&#x3D;evt-1&amp;valid&#x3D;true"'));
    assert.ok(email.html.includes('href="https:&#x2F;&#x2F;auth.example.com&#x2F;feedback?event&#x3D;evt-1&amp;valid&#x3D;false"'));
    assert.ok(email.text.includes('https://auth.example.com/feedback?event=evt-1&valid=true'));
    assert.ok(email.text.includes('https://auth.example.com/feedback?event=evt-1&valid=false'));
  });

  it('cannot break out of the link attribute, and drops links that are not http(s)', () => {
    const attributes = {
      ...ATO_ATTRIBUTES,
      ACCOUNT_TAKE_OVER_ACTION: 'NO_ACTION',
      ONE_CLICK_LINK_VALID: 'https://auth.example.com/ok"onmouseover="alert(1)',
      ONE_CLICK_LINK_INVALID: 'javascript:alert(1)',
    };
    const vars = variablesFor('CustomEmailSender_AccountTakeOverNotification', { userAttributes: attributes });

    const email = builtinOnly.renderEmail('AccountTakeOverNotification', 'en', vars);

    assert.ok(email.html.includes('href="https:&#x2F;&#x2F;auth.example.com&#x2F;ok&quot;onmouseover&#x3D;&quot;alert(1)"'));
    assert.ok(!email.html.includes('javascript:'));
    assert.ok(!email.text.includes('javascript:'));
    assert.ok(!email.html.includes('secure my account'), 'no deny button without a usable link');
    assert.match(email.subject, /was this you\?/);
  });

  it('leaves out the sign-in rows Cognito did not send', () => {
    const { CITY, COUNTRY, DEVICE_NAME, ...attributes } = ATO_ATTRIBUTES;
    void [CITY, COUNTRY, DEVICE_NAME];
    const email = builtinOnly.renderEmail('AccountTakeOverNotification', 'en', variablesFor('CustomEmailSender_AccountTakeOverNotification', { userAttributes: attributes }));
    assert.ok(!email.text.includes('Location:'));
    assert.ok(!email.text.includes('Device:'));
    assert.ok(email.text.includes('IP address: 198.51.100.23'));
  });
});
