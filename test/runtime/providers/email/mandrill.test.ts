import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { createMandrill } from '../../../../src/runtime/providers/email/mandrill.ts';
import { specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = 'a92c74e4c5d74998ba690cd535483bb7';
const sent = [{ email: 'ada@example.com', status: 'sent', reject_reason: null, _id: MESSAGE_ID }];
const create = (url: string) => createMandrill({ apiKey: 'md-test-key', baseUrl: url, fetch: nodeTransport });
const mandrillError = (status: number, name: string, message: string, code = -1) => ({ status, body: { status: 'error', code, name, message } });

providerContract({
  name: 'mandrill',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 200, body: sent }, messageId: MESSAGE_ID },
  error: (status, text, headers) => ({
    status,
    headers,
    body: { status: 'error', code: -1, name: status === 401 ? 'Invalid_Key' : status === 400 ? 'ValidationError' : 'GeneralError', message: text },
  }),
  authHint: /MANDRILL_API_KEY/,
  documented: [
    {
      name: 'a malformed address, answered as HTTP 500 with name ValidationError',
      source: 'https://github.com/mailchimp/mailchimp-client-lib-codegen/issues/188',
      response: mandrillError(500, 'ValidationError', 'Validation error: {"message":{"to":[{"email":"An email address must contain a single @"}]}}', -2),
      kind: 'permanent',
      providerCode: 'ValidationError',
    },
    {
      name: 'a general error (500 GeneralError): the provider failed, not the request',
      source: 'mailchimp/mailchimp-client-lib-codegen spec/transactional.json Error (GeneralError)',
      response: mandrillError(500, 'GeneralError', 'An unexpected error occurred processing the request.', -1),
      kind: 'retryable',
    },
  ],
  failuresIn2xx: [
    {
      name: 'the recipient is rejected (unsubscribed)',
      response: { status: 200, body: [{ email: 'ada@example.com', status: 'rejected', reject_reason: 'unsub', _id: MESSAGE_ID }] },
      kind: 'permanent',
      text: /rejected: unsub.*unsubscribed/,
    },
    {
      name: 'the recipient address is invalid',
      response: { status: 200, body: [{ email: 'ada@example', status: 'invalid', _id: MESSAGE_ID }] },
      kind: 'permanent',
      text: /invalid/,
      recipient: true,
    },
    {
      name: 'the recipient hard-bounced before',
      response: { status: 200, body: [{ email: 'ada@example.com', status: 'rejected', reject_reason: 'hard-bounce', _id: MESSAGE_ID }] },
      kind: 'permanent',
      text: /hard-bounce/,
      recipient: true,
    },
    {
      name: 'the sending domain is not verified (rejected: unsigned)',
      response: { status: 200, body: [{ email: 'ada@example.com', status: 'rejected', reject_reason: 'unsigned', _id: MESSAGE_ID }] },
      kind: 'permanent',
      text: /EMAIL_FROM is not verified/,
    },
  ],
  cases: [
    {
      name: 'a validation error arrives as HTTP 500',
      response: mandrillError(500, 'ValidationError', 'Validation error: {"message":{"from_email":"An email address must contain a single @"}}', -2),
      kind: 'permanent',
      text: /ValidationError/,
    },
    {
      name: 'a bad key arrives as HTTP 500',
      response: mandrillError(500, 'Invalid_Key', 'Invalid API key', -1),
      kind: 'permanent',
      text: /MANDRILL_API_KEY/,
    },
    {
      name: 'an unknown template arrives as HTTP 500',
      response: mandrillError(500, 'Unknown_Template', 'No such template "otp-code"', 5),
      kind: 'permanent',
      text: /template/,
    },
    {
      name: 'a general error arrives as HTTP 500',
      response: mandrillError(500, 'GeneralError', 'An unexpected error occurred processing the request.', -1),
      kind: 'retryable',
    },
  ],
});

describe('mandrill', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 200, body: sent });
  });
  after(() => fake.close());
  const checkSend = specValidator('mailchimp-transactional/transactional.json', '/messages/send', 'post', 'application/json');
  const checkTemplate = specValidator('mailchimp-transactional/transactional.json', '/messages/send-template', 'post', 'application/json');

  it('posts to /messages/send with the key in the body, valid against the Swagger 2.0 spec', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/messages/send');
    assert.equal(request.headers.authorization, undefined, 'no auth header: the key is in the body');
    const body = JSON.parse(request.body);
    assert.deepEqual(checkSend(body), []);
    assert.equal(body.key, 'md-test-key');
    assert.deepEqual(body.message.to, [{ email: 'ada@example.com', type: 'to' }]);
    assert.equal(body.message.from_email, 'no-reply@example.com');
    assert.equal(body.message.from_name, 'Acme');
    assert.deepEqual(body.message.headers, { 'Reply-To': 'support@example.com' });
    assert.equal(body.message.track_opens, false);
    assert.equal(body.message.track_clicks, false);
    assert.deepEqual(body.message.tags, ['cognito-sign-up']);
    assert.equal(body.message.metadata.userPoolId, 'eu-west-1_AbCdEf123');
  });

  it('sends a template through /messages/send-template with handlebars merge vars', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'otp-code', variables } }), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/messages/send-template');
    const body = JSON.parse(request.body);
    assert.deepEqual(checkTemplate(body), []);
    assert.equal(body.template_name, 'otp-code');
    assert.deepEqual(body.template_content, []);
    assert.equal(body.message.merge_language, 'handlebars');
    assert.deepEqual(body.message.global_merge_vars, [
      { name: 'code', content: '482913' },
      { name: 'user', content: { given_name: 'Ada' } },
    ]);
    assert.equal(body.message.subject, undefined);
  });

  it('counts a queued recipient as accepted', async () => {
    fake.script({ status: 200, body: [{ email: 'ada@example.com', status: 'queued', queued_reason: 'hourly-quota-exhausted', _id: MESSAGE_ID }] });
    const delivered = await create(fake.url).send(sampleEmail(), context());
    assert.equal(delivered.messageId, MESSAGE_ID);
  });

  it('never puts the recipient address in a rejection message', async () => {
    fake.script({ status: 200, body: [{ email: 'ada@example.com', status: 'rejected', reject_reason: 'hard-bounce', _id: MESSAGE_ID }] });
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.doesNotMatch(error.message, /ada@example\.com/);
    assert.match(error.message, /hard-bounce/);
  });
});
