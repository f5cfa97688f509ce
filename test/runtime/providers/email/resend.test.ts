import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { createResend } from '../../../../src/runtime/providers/email/resend.ts';
import { specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { IDEMPOTENCY_KEY, context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = '49a3999c-0ce1-4ea6-ab68-afcd6dc2e794';
const create = (url: string) => createResend({ apiKey: 're_test', baseUrl: url, fetch: nodeTransport });
const resendError = (statusCode: number, name: string, message: string, headers?: Record<string, string>) => ({
  status: statusCode,
  headers,
  body: { statusCode, name, message },
});

providerContract({
  name: 'resend',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 200, body: { id: MESSAGE_ID } }, messageId: MESSAGE_ID },
  error: (status, text, headers) =>
    resendError(status, status === 401 ? 'missing_api_key' : status === 429 ? 'rate_limit_exceeded' : status === 400 ? 'validation_error' : 'internal_server_error', text, headers),
  authHint: /RESEND_API_KEY/,
  rateLimitHeaders: {
    source: 'https://resend.com/docs/api-reference/rate-limit',
    headers: { 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'ratelimit-reset': '1' },
  },
  documented: [
    {
      name: 'the rate limit is exceeded (429 rate_limit_exceeded, retry-after)',
      source: 'https://resend.com/docs/api-reference/rate-limit; https://resend.com/docs/api-reference/errors',
      response: resendError(429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.', {
        'ratelimit-limit': '2',
        'ratelimit-remaining': '0',
        'ratelimit-reset': '1',
        'retry-after': '1',
      }),
      kind: 'retryable',
      retryAfterSource: 'Retry-After',
      retryAfterMs: 1_000,
    },
    {
      name: 'the API key is invalid (403 invalid_api_key)',
      source: 'https://resend.com/docs/api-reference/errors',
      response: resendError(403, 'invalid_api_key', 'API key is invalid'),
      kind: 'permanent',
      providerCode: 'invalid_api_key',
      text: /RESEND_API_KEY/,
    },
  ],
  cases: [
    {
      name: 'the same idempotency key is still being processed (409 concurrent_idempotent_requests)',
      response: resendError(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress'),
      kind: 'retryable',
    },
    {
      name: 'the idempotency key was used with another payload (409 invalid_idempotent_request)',
      response: resendError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload'),
      kind: 'permanent',
    },
    {
      name: 'the sender domain is not verified (403)',
      response: resendError(403, 'validation_error', 'The example.com domain is not verified.'),
      kind: 'permanent',
      text: /not verified.*EMAIL_FROM/,
    },
  ],
});

describe('resend', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 200, body: { id: MESSAGE_ID } });
  });
  after(() => fake.close());
  const checkSpec = specValidator('resend/resend.json', '/emails', 'post', 'application/json');

  it('posts to /emails with a Bearer key and the request key as Idempotency-Key, valid against the Resend spec', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/emails');
    assert.equal(request.headers.authorization, 'Bearer re_test');
    assert.equal(request.headers['idempotency-key'], IDEMPOTENCY_KEY);
    const body = JSON.parse(request.body);
    assert.deepEqual(checkSpec(body), []);
    assert.equal(body.from, 'Acme <no-reply@example.com>');
    assert.deepEqual(body.to, ['ada@example.com']);
    assert.equal(body.reply_to, 'support@example.com');
    assert.deepEqual(body.tags, [
      { name: 'category', value: 'cognito-sign-up' },
      { name: 'userPoolId', value: 'eu-west-1_AbCdEf123' },
      { name: 'sub', value: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' },
    ]);
  });

  it('sends the same Idempotency-Key on a retry, so Resend answers with the first email instead of sending again', async () => {
    const provider = create(fake.url);
    await provider.send(sampleEmail(), context());
    await provider.send(sampleEmail(), context());
    const [first, second] = fake.requests.slice(-2);
    assert.equal(first?.headers['idempotency-key'], second?.headers['idempotency-key']);
    assert.equal(first?.body, second?.body, 'same payload, or Resend refuses the key');
  });

  it('sends a published template with flat variables and no local content', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada', 'custom:plan': 'pro' }, signIn: undefined };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'otp-code', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(body), [], 'valid once the spec defect (subject required) is patched');
    assert.deepEqual(body.template, { id: 'otp-code', variables: { code: '482913', user_given_name: 'Ada', user_custom_plan: 'pro' } });
    assert.equal(body.subject, undefined);
    assert.equal(body.html, undefined);
  });

  it('keeps a wait from the ratelimit-reset header when Retry-After is missing', async () => {
    fake.script(resendError(429, 'rate_limit_exceeded', 'Too many requests', { 'ratelimit-reset': '2' }));
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'retryable');
    assert.equal(error.retryAfterMs, 2_000);
  });
});
