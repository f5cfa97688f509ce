import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { createSendGrid } from '../../../../src/runtime/providers/email/sendgrid.ts';
import { specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0';
const accepted = { status: 202, headers: { 'x-message-id': MESSAGE_ID } };
const create = (url: string) => createSendGrid({ apiKey: 'SG.test', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'sendgrid',
  create,
  message: () => sampleEmail(),
  success: { response: accepted, messageId: MESSAGE_ID },
  error: (status, text, headers) => ({ status, headers, body: { errors: [{ message: text, field: null, help: null }] } }),
  authHint: /SENDGRID_API_KEY/,
  // "every response" carries them; the reset is Unix seconds.
  rateLimitHeaders: {
    source: 'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits',
    headers: { 'X-RateLimit-Limit': '600', 'X-RateLimit-Remaining': '599', 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60) },
  },
  documented: [
    {
      name: 'the rate limit is exceeded (429 "too many requests", X-RateLimit-Reset)',
      source: 'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits',
      response: {
        status: 429,
        headers: { 'X-RateLimit-Limit': '150', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 30) },
        body: { errors: [{ field: null, message: 'too many requests' }] },
      },
      kind: 'retryable',
      retryAfterSource: 'X-RateLimit-Reset',
    },
    {
      name: 'a field is invalid (400 ErrorResponse)',
      source: 'twilio/sendgrid-oai spec/json/tsg_mail_v3.json ErrorResponse',
      response: { status: 400, body: { errors: [{ message: 'The from email does not contain a valid address.', field: 'from.email', help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.from' }] } },
      kind: 'permanent',
      text: /from\.email: The from email does not contain a valid address/,
    },
  ],
  cases: [
    {
      name: 'the key lacks Mail Send or the sender is not verified (403)',
      response: { status: 403, body: { errors: [{ message: 'The from address does not match a verified Sender Identity.', field: 'from' }] } },
      kind: 'permanent',
      text: /verified sender/,
    },
  ],
});

describe('sendgrid (delivery options and templates)', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(accepted);
  });
  after(() => fake.close());
  const checkSpec = specValidator('sendgrid/tsg_mail_v3.json', '/v3/mail/send', 'post', 'application/json');

  it('sends categories, tracking off and bypass_unsubscribe_management (not bypass_list_management), valid against the SendGrid spec', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(body), []);
    assert.deepEqual(body.categories, ['cognito-sign-up']);
    assert.equal(body.tracking_settings.click_tracking.enable, false);
    assert.equal(body.tracking_settings.open_tracking.enable, false);
    // Unsubscribed from newsletters still gets the code; bounce and spam lists still apply.
    assert.deepEqual(body.mail_settings, { bypass_unsubscribe_management: { enable: true } });
    assert.deepEqual(body.reply_to, { email: 'support@example.com' });
  });

  it('sends a dynamic template with the variables as dynamic_template_data', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'd-0123456789abcdef0123456789abcdef', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(body), []);
    assert.equal(body.template_id, 'd-0123456789abcdef0123456789abcdef');
    assert.deepEqual(body.personalizations[0].dynamic_template_data, variables);
    assert.equal(body.content, undefined);
  });
});
