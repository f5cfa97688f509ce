import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSendGrid } from '../../../../src/runtime/providers/email/sendgrid.ts';
import { specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0';
const accepted = { status: 202, headers: { 'x-message-id': MESSAGE_ID } };
const create = (url: string) => createSendGrid({ apiKey: 'SG.test', baseUrl: url, fetch });

providerContract({
  name: 'sendgrid',
  create,
  message: () => sampleEmail(),
  success: { response: accepted, messageId: MESSAGE_ID },
  error: (status, text, headers) => ({ status, headers, body: { errors: [{ message: text, field: null, help: null }] } }),
  authHint: /SENDGRID_API_KEY/,
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

  it('sends categories, tracking off and bypass_list_management, valid against the SendGrid spec', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(body), []);
    assert.deepEqual(body.categories, ['cognito-sign-up']);
    assert.equal(body.tracking_settings.click_tracking.enable, false);
    assert.equal(body.tracking_settings.open_tracking.enable, false);
    assert.equal(body.mail_settings.bypass_list_management.enable, true);
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
