import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { createMailgun, mailgunForm } from '../../../../src/runtime/providers/email/mailgun.ts';
import { formToObject, specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = '<20240101120000.1.ABCDEF@mg.example.com>';
const create = (url: string) => createMailgun({ apiKey: 'key-test', domain: 'mg.example.com', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'mailgun',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 200, body: { id: MESSAGE_ID, message: 'Queued. Thank you.' } }, messageId: MESSAGE_ID },
  error: (status, text, headers) => (status === 401 ? { status, headers, body: 'Forbidden' } : { status, headers, body: { message: text } }),
  authHint: /MAILGUN_API_KEY.*MAILGUN_BASE_URL/,
  documented: [
    {
      name: 'the account sends too fast (429, the wait in words, no header)',
      source: 'mailgun/mailgun-mcp-server src/openapi.yaml POST /v3/{domain_name}/messages 429',
      response: {
        status: 429,
        body: { message: 'Domain example.com is not allowed to send: account-requests-per-sec limit exceeded, try again after 120 seconds' },
      },
      kind: 'retryable',
      retryAfterSource: 'body',
      retryAfterMs: 120_000,
    },
    {
      name: 'the request misses its content (400)',
      source: 'mailgun/mailgun-mcp-server src/openapi.yaml POST /v3/{domain_name}/messages 400',
      response: { status: 400, body: { message: "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified" } },
      kind: 'permanent',
      text: /Need at least one of/,
    },
    {
      name: 'the key is refused (401, plain-text "Forbidden")',
      source: 'mailgun/mailgun-mcp-server src/openapi.yaml 401',
      response: { status: 401, body: 'Forbidden' },
      kind: 'permanent',
      text: /Forbidden.*MAILGUN_API_KEY/,
    },
  ],
});

/** Mailgun's form as the spec's object: `to` and `o:tag` are arrays even with one value. */
function asSpecObject(body: string): Record<string, unknown> {
  const form: Record<string, unknown> = formToObject(body);
  for (const key of ['to', 'o:tag']) if (typeof form[key] === 'string') form[key] = [form[key]];
  return form;
}

describe('mailgun', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 200, body: { id: MESSAGE_ID, message: 'Queued. Thank you.' } });
  });
  after(() => fake.close());
  const checkSpec = specValidator('mailgun/openapi.yaml', '/v3/{domain_name}/messages', 'post', 'multipart/form-data');

  it('posts a form to /v3/{domain}/messages with Basic api:<key>, valid against the Mailgun spec', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v3/mg.example.com/messages');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('api:key-test').toString('base64')}`);
    assert.match(String(request.headers['content-type']), /application\/x-www-form-urlencoded/);
    const form = asSpecObject(request.body);
    assert.deepEqual(checkSpec(form), []);
    assert.equal(form.from, 'Acme <no-reply@example.com>');
    assert.deepEqual(form.to, ['ada@example.com']);
    assert.equal(form.subject, 'Your Acme verification code');
    assert.match(String(form.text), /482913/);
    assert.match(String(form.html), /<b>482913<\/b>/);
    assert.equal(form['h:Reply-To'], 'support@example.com');
  });

  it('tags the message, turns click and open tracking off and attaches correlation variables', () => {
    const form = asSpecObject(mailgunForm(sampleEmail({ tags: ['cognito-sign-up', 'b', 'c', 'd'] })).toString());
    assert.deepEqual(form['o:tag'], ['cognito-sign-up', 'b', 'c'], 'Mailgun keeps three tags');
    assert.equal(form['o:tracking-clicks'], 'no');
    assert.equal(form['o:tracking-opens'], 'no');
    assert.equal(form['v:userPoolId'], 'eu-west-1_AbCdEf123');
  });

  it('sends a stored template with t:variables as a JSON string and no local content', async () => {
    const message = sampleEmail({ hostedTemplate: { id: 'otp-code', variables: { code: '482913', user: { given_name: 'Ada' } } } });
    await create(fake.url).send(message, context());
    const form = asSpecObject(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(form), [], 'valid once the spec defect (subject required) is patched');
    assert.equal(form.template, 'otp-code');
    assert.deepEqual(JSON.parse(String(form['t:variables'])), { code: '482913', user: { given_name: 'Ada' } });
    assert.equal(form.subject, undefined, "the template's subject applies");
    assert.equal(form.html, undefined);
    assert.equal(form.text, undefined);
  });

  it("reads the wait out of a 429's text when no header gives it", async () => {
    fake.script({
      status: 429,
      body: { message: 'Domain mg.example.com is not allowed to send: account-requests-per-sec limit exceeded, try again after 120 seconds' },
    });
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'retryable');
    assert.equal(error.retryAfterMs, 120_000);
  });

  it('says the domain is unknown in this region when Mailgun answers 404', async () => {
    fake.script({ status: 404, body: { message: 'Domain not found: mg.example.com' } });
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'permanent');
    assert.match(error.message, /Domain not found.*MAILGUN_DOMAIN/);
  });

  it('defaults to the US region and requires a domain', () => {
    assert.equal(definition.settings.find((s) => s.env === 'MAILGUN_BASE_URL')?.default, 'https://api.mailgun.net');
    assert.equal(definition.settings.find((s) => s.env === 'MAILGUN_DOMAIN')?.required, true);
    assert.equal(definition.settings.find((s) => s.env === 'MAILGUN_API_KEY')?.secret, true);
  });
});
