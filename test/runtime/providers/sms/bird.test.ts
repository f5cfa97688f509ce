import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { birdBaseUrl, createBird } from '../../../../src/runtime/providers/sms/bird.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { documentedViolations } from '../documented.ts';
import { IDEMPOTENCY_KEY, context, sampleSms } from '../messages.ts';

const MESSAGE_ID = 'sms_01J8Z3Q4R5S6T7V8W9X0Y1Z2A3';
const accepted = { status: 202, body: { id: MESSAGE_ID, status: 'accepted', to: '+14155550123' } };
const create = (url: string) => createBird({ apiKey: 'bk_eu1_test', from: '+15557654321', category: 'authentication', baseUrl: url, fetch: nodeTransport });
const birdError = (status: number, code: string, name: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { error: { type: 'bad_request_error', code, name, message, doc_url: `https://docs.bird.com/errors/${code}`, request_id: 'req_1', ...extra } },
});

providerContract({
  name: 'bird',
  create,
  message: () => sampleSms(),
  success: { response: accepted, messageId: MESSAGE_ID },
  error: (status, text, headers) => birdError(status, status === 401 ? 'E00401' : 'E00400', status === 401 ? 'unauthorized' : 'error', text, {}, headers),
  authHint: /BIRD_API_KEY/,
  documented: [
    {
      name: 'a recipient that cannot be routed (422 SMSInvalidRecipient)',
      source: 'messagebird/bird-sdk-typescript packages/sdk/src/generated/types.gen.ts SmsMessageSendRequest.to',
      response: birdError(422, 'E02010', 'SMSInvalidRecipient', 'The recipient cannot be routed', { type: 'validation_error', param: 'to' }),
      kind: 'permanent',
      recipient: true,
      providerCode: 'E02010',
    },
    {
      name: 'rate limited (429 with Retry-After)',
      source: 'messagebird/bird-sdk-typescript packages/sdk/src/core/http.ts (honours Retry-After on 429)',
      response: birdError(429, 'E00429', 'rate_limited', 'Too many requests', { type: 'rate_limit_error' }, { 'retry-after': '2' }),
      kind: 'retryable',
      retryAfterSource: 'Retry-After',
      retryAfterMs: 2_000,
    },
  ],
  cases: [
    {
      name: 'the same idempotency key is still being processed (409 E01004)',
      response: birdError(409, 'E01004', 'request_in_progress', 'A request with this idempotency key is in progress'),
      kind: 'retryable',
    },
    {
      name: 'the idempotency key was used for another body (409 E01005)',
      response: birdError(409, 'E01005', 'idempotency_key_reuse', 'Idempotency key reused with a different request'),
      kind: 'permanent',
    },
    {
      name: 'the number is not valid (422 on `to`)',
      response: birdError(422, 'E02002', 'invalid_phone_number', 'The phone number is not valid', { type: 'validation_error', param: 'to' }),
      kind: 'permanent',
      text: /\[to\]/,
      recipient: true,
    },
    {
      name: 'the workspace balance is too low (402)',
      response: birdError(402, 'E00402', 'insufficient_balance', 'Insufficient balance'),
      kind: 'permanent',
      text: /balance/,
    },
    {
      name: "Bird's remediation says what to fix (422)",
      response: birdError(422, 'E02001', 'sender_not_allowed', 'The sender is not allowed', {
        param: 'from',
        remediation: 'Register the sender in the workspace',
      }),
      kind: 'permanent',
      text: /\[from\].*Register the sender/,
    },
  ],
});

describe('bird', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(accepted);
  });
  after(() => fake.close());

  it('posts to /v1/sms/messages with Bearer auth and an Idempotency-Key from the request, in the documented shape', async () => {
    await create(fake.url).send(sampleSms(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v1/sms/messages');
    assert.equal(request.headers.authorization, 'Bearer bk_eu1_test');
    assert.equal(request.headers['idempotency-key'], `cognito-relay/${IDEMPOTENCY_KEY}`);
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('bird', body), []);
    assert.equal(body.to, '+14155550123');
    assert.equal(body.from, '+15557654321');
    assert.equal(body.text, 'Your Acme code is 482913');
    assert.equal(body.category, 'authentication');
    assert.deepEqual(body.tags[0], { name: 'category', value: 'cognito-sign-up' });
  });

  it('sends a mapped template by slug without from or category, with only the declared parameter (code by default)', async () => {
    const variables = { code: '482913', username: 'ada', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleSms({ hostedTemplate: { id: 'bird_otp_verification', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(documentedViolations('bird', body), []);
    // An undeclared key makes Bird refuse the whole send (422): only what the template declares.
    assert.deepEqual(body.template, { slug: 'bird_otp_verification', parameters: { code: '482913' } });
    assert.equal(body.from, undefined);
    assert.equal(body.text, undefined);
    assert.equal(body.category, undefined);
  });

  it('sends the parameters BIRD_TEMPLATE_PARAMETERS declares, by their flat names', async () => {
    const provider = definition.create(
      { BIRD_API_KEY: 'bk_eu1_test', BIRD_FROM: '+15557654321', BIRD_CATEGORY: 'authentication', BIRD_TEMPLATE_PARAMETERS: 'code, user.given_name', BIRD_BASE_URL: fake.url },
      { fetch: nodeTransport },
    );
    const variables = { code: '482913', username: 'ada', user: { given_name: 'Ada', family_name: 'Lovelace' } };
    await provider.send(sampleSms({ hostedTemplate: { id: 'bird_otp_verification', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(body.template.parameters, { code: '482913', 'user.given_name': 'Ada' });
  });

  it('finds the regional API from the key, unless BIRD_BASE_URL is set', () => {
    assert.equal(birdBaseUrl('bk_us1_abc'), 'https://us1.platform.bird.com');
    assert.equal(birdBaseUrl('bk_eu1_abc'), 'https://eu1.platform.bird.com');
    assert.equal(birdBaseUrl('legacy-key'), undefined);
    assert.equal(definition.validate?.({ BIRD_API_KEY: 'legacy-key', BIRD_FROM: '+1555' }).length, 1);
    assert.deepEqual(definition.validate?.({ BIRD_API_KEY: 'legacy-key', BIRD_BASE_URL: 'https://eu1.platform.bird.com' }), []);
    assert.equal(definition.validate?.({ BIRD_API_KEY: 'bk_us1_abc', BIRD_CATEGORY: 'promo' }).length, 1);
  });
});
