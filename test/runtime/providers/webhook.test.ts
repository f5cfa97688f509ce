import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { createWebhook, emailWebhook, parseWebhookSecrets, smsWebhook, type WebhookPayload } from '../../../src/runtime/providers/webhook.ts';
import { EMAIL_PROVIDERS, SMS_PROVIDERS } from '../../../src/runtime/providers/registry.ts';
import { startFakeProvider, type FakeProvider, type RecordedRequest } from '../../support/fake-provider.ts';
import { providerContract } from './contract.ts';
import { IDEMPOTENCY_KEY, context, sampleEmail, sampleSms } from './messages.ts';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = newSecret();
const secrets = (...values: string[]) => parseWebhookSecrets(values.join(' ')).secrets;

/** The headers as the receiving framework would hand them to the verifier. */
function signedHeaders(request: RecordedRequest): Record<string, string> {
  return {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  };
}

providerContract({
  name: 'webhook',
  create: (url) => createWebhook('email', { url, secrets: secrets(SECRET), fetch: nodeTransport }),
  message: () => sampleEmail(),
  success: { response: { status: 200, body: { id: 'backend-42' } }, messageId: 'backend-42' },
  error: (status, text, headers) => ({ status, headers, body: { error: text } }),
  authHint: /WEBHOOK_SECRET/,
  cases: [{ name: 'the endpoint does not exist (404)', response: { status: 404, body: { error: 'no route' } }, kind: 'permanent', text: /WEBHOOK_URL/ }],
});

describe('webhook', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 204 });
  });
  after(() => fake.close());

  it('signs per Standard Webhooks: the reference implementation verifies the request', async () => {
    await createWebhook('email', { url: `${fake.url}/hooks/cognito`, secrets: secrets(SECRET), fetch }).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/hooks/cognito');
    assert.equal(request.headers['content-type'], 'application/json');
    const verified = new Webhook(SECRET).verify(request.body, signedHeaders(request)) as WebhookPayload;
    assert.equal(verified.type, 'cognito.email');
    assert.match(String(request.headers['webhook-timestamp']), /^\d{10}$/, 'seconds, not milliseconds');
  });

  it('is refused by a verifier holding another secret, or when the body was changed', async () => {
    await createWebhook('email', { url: fake.url, secrets: secrets(SECRET), fetch }).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.throws(() => new Webhook(newSecret()).verify(request.body, signedHeaders(request)), WebhookVerificationError);
    const tampered = request.body.replace('482913', '000000');
    assert.throws(() => new Webhook(SECRET).verify(tampered, signedHeaders(request)), WebhookVerificationError);
  });

  it('signs with every secret while rotating, so receivers on the old or the new secret both verify', async () => {
    const oldSecret = newSecret();
    const nextSecret = newSecret();
    const definitionProvider = emailWebhook.create({ WEBHOOK_URL: fake.url, WEBHOOK_SECRET: `${oldSecret}, ${nextSecret}` }, { fetch });
    await definitionProvider.send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2);
    assert.ok(new Webhook(oldSecret).verify(request.body, signedHeaders(request)));
    assert.ok(new Webhook(nextSecret).verify(request.body, signedHeaders(request)));
  });

  it('keeps webhook-id stable across retries of one Cognito request, so the receiver can de-duplicate', async () => {
    const provider = createWebhook('sms', { url: fake.url, secrets: secrets(SECRET), fetch });
    await provider.send(sampleSms(), context());
    await provider.send(sampleSms(), context());
    await provider.send(sampleSms(), { signal: AbortSignal.timeout(5_000), idempotencyKey: 'another-request' });
    const [first, retry, other] = fake.requests.slice(-3).map((r) => r.headers['webhook-id']);
    assert.match(String(first), /^msg_[0-9a-f]{32}$/);
    assert.equal(first, retry);
    assert.notEqual(first, other);
    assert.ok(!String(first).includes(IDEMPOTENCY_KEY), 'the raw request key is not exposed');
  });

  it('posts the rendered email, its recipient and every template variable, including the code, and no secret', async () => {
    const message = sampleEmail({ hostedTemplate: { id: 'signup-v2', variables: sampleEmail().variables } });
    await createWebhook('email', { url: fake.url, secrets: secrets(SECRET), fetch }).send(message, context());
    const request = fake.requests.at(-1)!;
    const payload = JSON.parse(request.body) as WebhookPayload;
    assert.equal(payload.type, 'cognito.email');
    assert.ok(!Number.isNaN(Date.parse(payload.timestamp)));
    assert.equal(payload.data.channel, 'email');
    assert.equal(payload.data.trigger, 'SignUp');
    assert.equal(payload.data.triggerSource, 'CustomEmailSender_SignUp');
    assert.equal(payload.data.locale, 'en');
    assert.equal(payload.data.to, 'ada@example.com');
    assert.deepEqual(payload.data.from, { email: 'no-reply@example.com', name: 'Acme' });
    assert.equal(payload.data.replyTo, 'support@example.com');
    assert.equal(payload.data.subject, 'Your Acme verification code');
    assert.match(String(payload.data.html), /<b>482913<\/b>/);
    assert.match(payload.data.text, /482913/);
    assert.equal(payload.data.variables.code, '482913');
    assert.deepEqual(payload.data.tags, ['cognito-sign-up']);
    assert.equal(payload.data.template, 'signup-v2');
    const secretBody = SECRET.slice('whsec_'.length);
    assert.ok(!request.body.includes(secretBody), 'the signing secret never travels');
  });

  it('posts an SMS with its text and no email fields', async () => {
    await createWebhook('sms', { url: fake.url, secrets: secrets(SECRET), fetch }).send(sampleSms(), context());
    const payload = JSON.parse(fake.requests.at(-1)!.body) as WebhookPayload;
    assert.equal(payload.type, 'cognito.sms');
    assert.equal(payload.data.to, '+14155550123');
    assert.equal(payload.data.text, 'Your Acme code is 482913');
    assert.equal(payload.data.subject, undefined);
    assert.equal(payload.data.from, undefined);
  });

  it('answers with the webhook-id as message id when the endpoint returns none', async () => {
    fake.script({ status: 204 });
    const delivered = await createWebhook('email', { url: fake.url, secrets: secrets(SECRET), fetch }).send(sampleEmail(), context());
    assert.equal(delivered.messageId, fake.requests.at(-1)?.headers['webhook-id']);
  });

  it('is registered for both channels', async () => {
    assert.equal((await EMAIL_PROVIDERS.webhook!()).default, emailWebhook);
    assert.equal((await SMS_PROVIDERS.webhook!()).default, smsWebhook);
    assert.equal(smsWebhook.channel, 'sms');
    assert.equal(emailWebhook.settings.find((s) => s.env === 'WEBHOOK_SECRET')?.secret, true);
  });

  it('requires https (the body carries the code), except to this machine', () => {
    const problems = (url: string) => emailWebhook.validate?.({ WEBHOOK_URL: url, WEBHOOK_SECRET: SECRET }) ?? [];
    assert.deepEqual(problems('https://hooks.example.com/cognito'), []);
    assert.deepEqual(problems('http://127.0.0.1:8080/hook'), []);
    assert.deepEqual(problems('http://localhost:8080/hook'), []);
    assert.match(problems('http://hooks.example.com/cognito').join(), /https/);
    assert.match(problems('not a url').join(), /not a valid URL/);
  });

  it('rejects secrets that are not whsec_ + 24–64 bytes of base64, naming which one', () => {
    assert.deepEqual(parseWebhookSecrets(`${SECRET} ${newSecret()}`).problems, []);
    assert.equal(parseWebhookSecrets(SECRET.slice('whsec_'.length)).secrets.length, 1, 'the prefix is optional');
    assert.match(parseWebhookSecrets(`${SECRET} whsec_c2hvcnQ=`).problems.join(), /#2.*24–64/);
    assert.match(parseWebhookSecrets('whsec_not*base64!').problems.join(), /#1/);
  });
});
