/**
 * The whole pipeline, end to end, on loopback: Cognito-format ciphertexts, the KMS stand-in
 * behind the real SDK and keyring, a real SMTP server, fake SendGrid/Twilio servers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, captureLogger, type Harness } from '../../support/harness.ts';
import { TRIGGERS } from '../../../src/runtime/cognito/triggers.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { formToObject, specValidator } from '../../support/openapi.ts';
import { SAMPLE_POOL_ID } from '../../../src/tools/local/sample-events.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

describe('relay: every trigger source', () => {
  for (const rule of TRIGGERS.filter((t) => t.channel === 'email')) {
    it(`delivers ${rule.source} by email with the code`, async () => {
      // Prepare
      const { relay } = await h.relay();
      const code = rule.needsCode ? `${100000 + Math.floor(Math.random() * 899999)}` : undefined;
      const ciphertext = code ? await h.encrypt(code) : null;
      const event = h.event(
        rule.source,
        ciphertext,
        rule.name === 'AccountTakeOverNotification'
          ? undefined
          : { userAttributes: { sub: 'user-1', email: `user-${rule.name}@example.com`, given_name: 'Ada' } },
      );
      const received = h.inbox.messages.length;
      if (rule.name === 'AccountTakeOverNotification') {
        // The ATO event carries no email: the relay asks Cognito (AdminGetUser) for it.
        const cognito = await startFakeProvider({
          status: 200,
          body: { Username: 'ada', UserAttributes: [{ Name: 'email', Value: 'ato-user@example.com' }, { Name: 'given_name', Value: 'Ada' }] },
        });
        process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER = cognito.url;
        try {
          await relay.handle(event);
          assert.equal(cognito.requests.length, 1);
          assert.equal(cognito.requests[0]?.headers['x-amz-target'], 'AWSCognitoIdentityProviderService.AdminGetUser');
          assert.deepEqual(JSON.parse(cognito.requests[0]?.body ?? '{}'), { UserPoolId: SAMPLE_POOL_ID, Username: event.userName });
        } finally {
          delete process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
          await cognito.close();
        }
      } else {
        // Act
        await relay.handle(event);
      }

      // Assess
      const mail = await h.inbox.waitFor(received);
      const to = rule.name === 'AccountTakeOverNotification' ? 'ato-user@example.com' : `user-${rule.name}@example.com`;
      assert.deepEqual(mail.envelopeTo, [to]);
      assert.ok(mail.parsed.subject && mail.parsed.subject.length > 5, 'has a subject');
      assert.ok(mail.parsed.html, 'has an HTML part');
      assert.ok(mail.parsed.text, 'has a text part');
      if (code) {
        assert.ok(mail.parsed.text?.includes(code), 'text shows the code');
        assert.ok(String(mail.parsed.html).includes(code), 'HTML shows the code');
      }
    });
  }

  for (const rule of TRIGGERS.filter((t) => t.channel === 'sms')) {
    it(`delivers ${rule.source} by SMS through Twilio with the code`, async () => {
      const { relay } = await h.relay();
      const code = `${100000 + Math.floor(Math.random() * 899999)}`;
      const before = h.twilio.requests.length;
      await relay.handle(h.event(rule.source, await h.encrypt(code)));
      const request = h.twilio.requests[before];
      assert.ok(request, 'Twilio was called');
      const form = formToObject(request.body);
      assert.equal(form.To, '+14155550123');
      assert.ok(String(form.Body).includes(code));
    });
  }

  it('fails with an error naming an unknown trigger source, before any call', async () => {
    const { relay } = await h.relay();
    const decrypts = h.kms.calls.Decrypt ?? 0;
    const event = h.event('CustomEmailSender_SomethingNew', await h.encrypt('123456'));
    await assert.rejects(relay.handle(event), /triggerSource.*CustomEmailSender_SomethingNew/);
    assert.equal(h.kms.calls.Decrypt ?? 0, decrypts);
  });
});

describe('relay: decryption', () => {
  it('decrypts committing v2 messages without a pool context, as emulators send', async () => {
    const { relay } = await h.relay();
    const before = h.inbox.messages.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('246810', { format: 'v2' })));
    assert.ok((await h.inbox.waitFor(before)).parsed.text?.includes('246810'));
  });

  it('rejects a code bound to another user pool and sends nothing', async () => {
    const { relay } = await h.relay();
    const before = h.inbox.messages.length;
    const code = await h.encrypt('111111', { userPoolId: 'eu-west-1_Other999' });
    await assert.rejects(relay.handle(h.event('CustomEmailSender_SignUp', code)), /userpool-id|another user pool|pool/i);
    assert.equal(h.inbox.messages.length, before);
  });

  it('rejects a code encrypted under another key and says which setting to fix', async () => {
    const { relay } = await h.relay();
    const otherKey = h.kms.createKey();
    const before = h.inbox.messages.length;
    const code = await h.encrypt('222222', { keyArn: otherKey });
    await assert.rejects(relay.handle(h.event('CustomEmailSender_SignUp', code)), /KMS_KEY_ARN/);
    assert.equal(h.inbox.messages.length, before);
  });
});

describe('relay: temporary passwords (AdminCreateUser)', () => {
  it("unescapes Cognito's &lt;/&gt; and shows username and password correctly in both parts", async () => {
    const { relay } = await h.relay();
    const before = h.inbox.messages.length;
    // Cognito escapes < and > in the temporary password before encrypting it.
    const event = h.event('CustomEmailSender_AdminCreateUser', await h.encrypt('Ab1&lt;x&gt;9!'), { userName: 'ada.lovelace' });
    await relay.handle(event);
    const mail = await h.inbox.waitFor(before);
    assert.ok(mail.parsed.text?.includes('Ab1<x>9!'), 'text has the real password');
    assert.ok(mail.parsed.text?.includes('ada.lovelace'), 'text has the username');
    const html = String(mail.parsed.html);
    assert.ok(html.includes('Ab1&lt;x&gt;9!'), 'HTML has the password escaped once');
    assert.ok(!html.includes('&amp;lt;'), 'not escaped twice');
    assert.ok(html.includes('ada.lovelace'));
  });
});

describe('relay: hostile input', () => {
  it('escapes HTML in user attributes and keeps CR/LF out of headers', async () => {
    const { relay } = await h.relay({ APP_NAME: 'Evil\r\nBcc: victim@example.com' });
    const before = h.inbox.messages.length;
    const event = h.event('CustomEmailSender_SignUp', await h.encrypt('333333'), {
      userAttributes: { email: 'ada@example.com', given_name: '<script>alert(1)</script>\r\nBcc: evil@example.com' },
    });
    await relay.handle(event);
    const mail = await h.inbox.waitFor(before);
    assert.deepEqual(mail.envelopeTo, ['ada@example.com'], 'no injected recipient');
    const headerBlock = mail.raw.split(/\r?\n\r?\n/)[0] ?? '';
    assert.ok(!/^Bcc:/im.test(headerBlock), 'no injected Bcc header');
    assert.equal(mail.parsed.headers.get('bcc'), undefined);
    assert.ok(!String(mail.parsed.subject).includes('\n'), 'subject is one line');
    assert.ok(!String(mail.parsed.html).includes('<script>'), 'script tag escaped');
  });

  const malformed: [string, (e: any) => void, RegExp][] = [
    ['missing userPoolId', (e) => delete e.userPoolId, /userPoolId/],
    ['wrong type for request', (e) => (e.request = 'x'), /request/],
    ['userAttributes values not strings', (e) => (e.request.userAttributes = { email: 5 }), /userAttributes/],
    ['non-base64 code', (e) => (e.request.code = 'not base64!!'), /request\.code.*base64/],
    ['truncated code', (e) => (e.request.code = Buffer.from(e.request.code, 'base64').subarray(0, 200).toString('base64')), /request\.code.*truncated/],
    ['missing code where the trigger needs one', (e) => (e.request.code = null), /request\.code.*required/],
    ['missing recipient', (e) => delete e.request.userAttributes.phone_number, /phone_number/],
    ['invalid recipient', (e) => (e.request.userAttributes.phone_number = '0155 1234'), /phone_number.*E\.164/],
    ['wrong request type', (e) => (e.request.type = 'customEmailSenderRequestV1'), /request\.type/],
  ];
  for (const [name, mutate, expected] of malformed) {
    it(`fails on ${name} with an error naming the field, before any KMS or provider call`, async () => {
      const { relay } = await h.relay();
      const event = h.event('CustomSMSSender_SignUp', await h.encrypt('444444'));
      mutate(event);
      const decrypts = h.kms.calls.Decrypt ?? 0;
      const twilioCalls = h.twilio.requests.length;
      await assert.rejects(relay.handle(event), expected);
      assert.equal(h.kms.calls.Decrypt ?? 0, decrypts, 'no KMS call');
      assert.equal(h.twilio.requests.length, twilioCalls, 'no provider call');
    });
  }

  it('rejects an invalid email address before decrypting', async () => {
    const { relay } = await h.relay();
    const decrypts = h.kms.calls.Decrypt ?? 0;
    const event = h.event('CustomEmailSender_SignUp', await h.encrypt('555555'), { userAttributes: { email: 'not-an-address' } });
    await assert.rejects(relay.handle(event), /userAttributes\.email/);
    assert.equal(h.kms.calls.Decrypt ?? 0, decrypts);
  });
});

describe('relay: logs', () => {
  it('never logs the code, the ciphertext or whole addresses', async () => {
    const logger = captureLogger();
    const { relay } = await h.relay({}, { logger });
    const ciphertext = await h.encrypt('987654');
    await relay.handle(h.event('CustomEmailSender_SignUp', ciphertext, { userAttributes: { email: 'grace.hopper@example.com' } }));
    await assert.rejects(relay.handle(h.event('CustomEmailSender_SignUp', ciphertext, { userPoolId: 'eu-west-1_Other999' })));
    const text = logger.text();
    assert.ok(logger.lines.some((l) => l.message === 'delivered'), 'logs the delivery');
    assert.ok(logger.lines.some((l) => l.level === 'ERROR'), 'logs the failure');
    assert.ok(!text.includes('987654'), 'no code');
    assert.ok(!text.includes(ciphertext.slice(0, 40)), 'no ciphertext');
    assert.ok(!text.includes('grace.hopper@'), 'no whole address');
    assert.ok(text.includes('g***@example.com'), 'a masked address');
    assert.ok(!text.includes('twilio-test-token') && !text.includes('SG.test-key'), 'no secrets');
  });
});

describe('relay: SendGrid', () => {
  const check = specValidator('sendgrid/tsg_mail_v3.json', '/v3/mail/send', 'post', 'application/json');

  it('sends a spec-valid mail/send request with tracking off and global unsubscribes bypassed', async () => {
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid' });
    const before = h.sendgrid.requests.length;
    await relay.handle(h.event('CustomEmailSender_ForgotPassword', await h.encrypt('135790')));
    const request = h.sendgrid.requests[before];
    assert.ok(request);
    assert.equal(request.path, '/v3/mail/send');
    assert.equal(request.headers.authorization, 'Bearer SG.test-key');
    const body = JSON.parse(request.body);
    assert.deepEqual(check(body), []);
    assert.equal(body.personalizations[0].to[0].email, 'ada@example.com');
    assert.deepEqual(body.from, { email: 'no-reply@example.com', name: 'Example' });
    assert.equal(body.content[0].type, 'text/plain');
    assert.ok(body.content[0].value.includes('135790'));
    assert.equal(body.tracking_settings.click_tracking.enable, false);
    assert.equal(body.mail_settings.bypass_unsubscribe_management.enable, true);
    assert.deepEqual(body.categories, ['cognito-forgot-password']);
  });

  it('sends a dynamic template with the variables when one is mapped for the trigger', async () => {
    const templates = JSON.stringify({ sendgrid: { SignUp: 'd-0123456789abcdef0123456789abcdef' } });
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid', PROVIDER_TEMPLATES: templates });
    const before = h.sendgrid.requests.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('864209')));
    const body = JSON.parse(h.sendgrid.requests[before]?.body ?? '{}');
    assert.deepEqual(check(body), []);
    assert.equal(body.template_id, 'd-0123456789abcdef0123456789abcdef');
    assert.equal(body.personalizations[0].dynamic_template_data.code, '864209');
    assert.equal(body.content, undefined);
  });

  it('fails with the provider error text on a 4xx', async () => {
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid' });
    h.sendgrid.script(
      { status: 403, body: { errors: [{ message: 'The from address does not match a verified Sender Identity.', field: 'from' }] } },
      { status: 202, headers: { 'x-message-id': 'x' } },
    );
    await assert.rejects(relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('000111'))), /verified Sender Identity/);
  });
});

describe('relay: Twilio', () => {
  const check = specValidator('twilio/twilio_api_v2010.json', '/2010-04-01/Accounts/{AccountSid}/Messages.json', 'post', 'application/x-www-form-urlencoded');

  it('sends a spec-valid form with Basic auth from TWILIO_FROM', async () => {
    const { relay } = await h.relay();
    const before = h.twilio.requests.length;
    await relay.handle(h.event('CustomSMSSender_Authentication', await h.encrypt('424242')));
    const request = h.twilio.requests[before];
    assert.ok(request);
    assert.equal(request.path, '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json');
    const expectedAuth = `Basic ${Buffer.from('AC0123456789abcdef0123456789abcdef:twilio-test-token').toString('base64')}`;
    assert.equal(request.headers.authorization, expectedAuth);
    const form = formToObject(request.body);
    assert.deepEqual(check(form), []);
    assert.equal(form.From, '+15005550006');
  });

  it('uses the Messaging Service and a Content template when configured', async () => {
    const { relay } = await h.relay({
      TWILIO_FROM: undefined,
      TWILIO_MESSAGING_SERVICE_SID: 'MG0123456789abcdef0123456789abcdef',
      PROVIDER_TEMPLATES: JSON.stringify({ twilio: { SignUp: 'HX0123456789abcdef0123456789abcdef' } }),
    });
    const before = h.twilio.requests.length;
    await relay.handle(h.event('CustomSMSSender_SignUp', await h.encrypt('515151')));
    const form = formToObject(h.twilio.requests[before]?.body ?? '');
    assert.deepEqual(check(form), []);
    assert.equal(form.MessagingServiceSid, 'MG0123456789abcdef0123456789abcdef');
    assert.equal(form.From, undefined);
    assert.equal(form.ContentSid, 'HX0123456789abcdef0123456789abcdef');
    assert.equal(JSON.parse(String(form.ContentVariables)).code, '515151');
    assert.equal(form.Body, undefined);
  });

  it('explains Twilio 21211 (invalid number) as a permanent error', async () => {
    const { relay } = await h.relay();
    h.twilio.script({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } }, { status: 201, body: { sid: 'SMx' } });
    await assert.rejects(relay.handle(h.event('CustomSMSSender_SignUp', await h.encrypt('616161'))), /21211.*not a valid phone number/);
  });
});

describe('relay: locale', () => {
  it('uses clientMetadata.locale before the locale attribute', async () => {
    const { relay } = await h.relay();
    const before = h.inbox.messages.length;
    await relay.handle(
      h.event('CustomEmailSender_SignUp', await h.encrypt('777777'), {
        clientMetadata: { locale: 'fr-CA' },
        userAttributes: { email: 'ada@example.com', locale: 'de' },
      }),
    );
    const mail = await h.inbox.waitFor(before);
    const english = await (async () => {
      const b = h.inbox.messages.length;
      await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('777777'), { userAttributes: { email: 'ada@example.com' } }));
      return h.inbox.waitFor(b);
    })();
    assert.notEqual(mail.parsed.subject, english.parsed.subject, 'French subject differs from English');
    assert.match(mail.parsed.html ? String(mail.parsed.html) : '', /lang="fr/);
  });
});
