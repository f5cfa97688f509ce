import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { brevoBody, createBrevo } from '../../../../src/runtime/providers/email/brevo.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { documentedViolations } from '../documented.ts';
import { IDEMPOTENCY_KEY, context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = '<202401011200.12345678901@smtp-relay.mailin.fr>';
const create = (url: string) => createBrevo({ apiKey: 'xkeysib-test', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'brevo',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 201, body: { messageId: MESSAGE_ID } }, messageId: MESSAGE_ID },
  error: (status, text, headers) => ({
    status,
    headers,
    body: { code: status === 401 ? 'unauthorized' : status === 400 ? 'invalid_parameter' : 'internal_error', message: text },
  }),
  authHint: /BREVO_API_KEY/,
  rateLimitHeaders: {
    source: 'https://developers.brevo.com/docs/limit-headers',
    headers: { 'x-sib-ratelimit-limit': '1000', 'x-sib-ratelimit-remaining': '999', 'x-sib-ratelimit-reset': '1' },
  },
  documented: [
    {
      name: 'the rate limit is exceeded (429, x-sib-ratelimit-reset seconds)',
      source: 'https://developers.brevo.com/docs/limit-headers',
      response: { status: 429, headers: { 'x-sib-ratelimit-limit': '1000', 'x-sib-ratelimit-remaining': '0', 'x-sib-ratelimit-reset': '4' }, body: { code: 'too_many_requests', message: 'Too many requests' } },
      kind: 'retryable',
      retryAfterSource: 'x-sib-ratelimit-reset',
      retryAfterMs: 4_000,
    },
    {
      name: 'the key is refused (401 unauthorized)',
      source: 'getbrevo/brevo-node docs/ErrorModel.md',
      response: { status: 401, body: { code: 'unauthorized', message: 'Key not found' } },
      kind: 'permanent',
      providerCode: 'unauthorized',
      text: /xkeysib/,
    },
  ],
  cases: [
    {
      name: 'the account has no credits left (402 not_enough_credits)',
      response: { status: 402, body: { code: 'not_enough_credits', message: 'Not enough credits' } },
      kind: 'permanent',
      text: /no email credits/,
    },
    {
      name: 'the key may not send from this IP (403 permission_denied)',
      response: { status: 403, body: { code: 'permission_denied', message: 'Unauthorized IP address' } },
      kind: 'permanent',
      text: /Authorised IPs/,
    },
  ],
});

describe('brevo', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 201, body: { messageId: MESSAGE_ID } });
  });
  after(() => fake.close());

  it('posts JSON to /v3/smtp/email with the api-key header, in the documented shape', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v3/smtp/email');
    assert.equal(request.headers['api-key'], 'xkeysib-test');
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('brevo', body), []);
    assert.deepEqual(body.sender, { email: 'no-reply@example.com', name: 'Acme' });
    assert.deepEqual(body.to, [{ email: 'ada@example.com' }]);
    assert.deepEqual(body.replyTo, { email: 'support@example.com' });
    assert.equal(body.subject, 'Your Acme verification code');
    assert.deepEqual(body.tags, ['cognito-sign-up']);
  });

  it('sends the same UUID idempotency key on every retry of one request, and another for another request', () => {
    const first = brevoBody(sampleEmail(), IDEMPOTENCY_KEY).headers as Record<string, string>;
    const again = brevoBody(sampleEmail(), IDEMPOTENCY_KEY).headers as Record<string, string>;
    const other = brevoBody(sampleEmail(), 'another-request').headers as Record<string, string>;
    assert.match(String(first.idempotencyKey), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(first.idempotencyKey, again.idempotencyKey);
    assert.notEqual(first.idempotencyKey, other.idempotencyKey);
  });

  it('sends a stored template by numeric templateId with the variables as params', async () => {
    const message = sampleEmail({ hostedTemplate: { id: '12', variables: { code: '482913', user: { given_name: 'Ada' } } } });
    await create(fake.url).send(message, context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(documentedViolations('brevo', body), []);
    assert.equal(body.templateId, 12);
    assert.deepEqual(body.params, { code: '482913', user: { given_name: 'Ada' } });
    assert.equal(body.subject, undefined, "the template's subject applies");
    assert.equal(body.htmlContent, undefined);
  });

  it('refuses, without calling Brevo, a template mapping that is not a numeric id', async () => {
    const before = fake.requests.length;
    const error = await sendFailing(create(fake.url), sampleEmail({ hostedTemplate: { id: 'otp-code', variables: {} } }));
    assert.equal(error.kind, 'permanent');
    assert.match(error.message, /numeric id/);
    assert.equal(fake.requests.length, before);
  });

  // https://developers.brevo.com/docs/heterogenous-versions-batch-emails: a key used within its
  // TTL is answered with duplicate_parameter and not processed.
  it('treats the documented duplicate_parameter answer as already delivered: an earlier attempt with this key went through', async () => {
    fake.script({ status: 400, body: { code: 'duplicate_parameter', message: 'Duplicate idempotency key' } });
    const before = fake.requests.length;
    const delivered = await create(fake.url).send(sampleEmail(), context());
    assert.equal(delivered.provider, 'brevo');
    assert.equal(fake.requests.length, before + 1);
  });

  it('declares itself idempotent: a send with an unknown outcome may be repeated with the same key', () => {
    assert.equal(create('https://api.brevo.com').idempotent, true);
  });

  it('keeps the wait from x-sib-ratelimit-reset on a 429', async () => {
    fake.script({ status: 429, headers: { 'x-sib-ratelimit-reset': '3' }, body: { code: 'too_many_requests', message: 'Too many requests' } });
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'retryable');
    assert.equal(error.retryAfterMs, 3_000);
  });
});
