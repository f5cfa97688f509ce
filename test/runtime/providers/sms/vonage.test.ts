import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { createVonage, isGsm7, vonageForm } from '../../../../src/runtime/providers/sms/vonage.ts';
import { formToObject, specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleSms } from '../messages.ts';

const MESSAGE_ID = '0A0000000123ABCD1';
const part = (status: string, extra: Record<string, string> = {}) => ({
  to: '14155550123',
  'message-id': MESSAGE_ID,
  status,
  'remaining-balance': '3.14159265',
  'message-price': '0.03330000',
  network: '12345',
  ...extra,
});
const answer = (...parts: object[]) => ({ status: 200, body: { 'message-count': String(parts.length), messages: parts } });
const create = (url: string) => createVonage({ apiKey: 'abcd1234', apiSecret: 'abcdef0123456789', from: 'Acme', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'vonage',
  create,
  message: () => sampleSms(),
  success: { response: answer(part('0')), messageId: MESSAGE_ID },
  error: (status, text, headers) => ({ status, headers, body: { type: 'https://developer.vonage.com/api-errors', title: text } }),
  authHint: /VONAGE_API_KEY and VONAGE_API_SECRET/,
  failuresIn2xx: [
    {
      name: 'a part has status 1 (throttled)',
      response: answer({ status: '1', 'error-text': 'Throughput Rate Exceeded - please wait [ 10 ] and retry' }),
      kind: 'retryable',
      text: /status 1: Throughput Rate Exceeded/,
    },
    {
      name: 'a part has status 4 (bad credentials)',
      response: answer({ status: '4', 'error-text': 'Bad Credentials' }),
      kind: 'permanent',
      text: /Bad Credentials.*VONAGE_API_KEY/,
    },
    {
      name: 'a part has status 15 (illegal sender address)',
      response: answer({ status: '15', 'error-text': 'Illegal Sender Address - rejected' }),
      kind: 'permanent',
      text: /VONAGE_FROM/,
    },
    {
      name: 'a part has status 7 (number barred)',
      response: answer({ status: '7', 'error-text': 'Number barred.' }),
      kind: 'permanent',
      text: /barred/,
      recipient: true,
    },
    {
      // sms.yml: "Number De-activated. The number you are trying to send messages to is de-activated".
      name: 'a part has status 33 (number de-activated)',
      response: answer({ status: '33', 'error-text': 'Number de-activated' }),
      kind: 'permanent',
      text: /de-activated/,
      recipient: true,
    },
    {
      // sms.yml: "Too Many Existing Binds … Back-off and retry".
      name: 'a part has status 10 (too many existing binds)',
      response: answer({ status: '10', 'error-text': 'Too many existing binds' }),
      kind: 'retryable',
    },
    {
      name: 'the second part of a long text failed',
      response: answer(part('0'), { status: '9', 'error-text': 'Partner quota exceeded' }),
      kind: 'permanent',
      text: /status 9: Partner quota exceeded.*balance/,
    },
  ],
});

describe('vonage', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(answer(part('0')));
  });
  after(() => fake.close());
  const checkSpec = specValidator('vonage/sms.yml', '/{format}', 'post', 'application/x-www-form-urlencoded');

  it('posts a form to /sms/json with Basic auth (no secret in the body), valid against sms.yml', async () => {
    await create(fake.url).send(sampleSms(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/sms/json');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('abcd1234:abcdef0123456789').toString('base64')}`);
    const form = formToObject(request.body);
    assert.deepEqual(checkSpec(form), [], 'valid once the spec defect (api_key required) is patched');
    assert.equal(form.api_secret, undefined);
    assert.equal(form.from, 'Acme');
    assert.equal(form.to, '14155550123', 'digits only');
    assert.equal(form.text, 'Your Acme code is 482913');
    assert.equal(form.type, undefined, 'GSM text needs no unicode type');
    assert.equal(form['client-ref'], 'cognito-sign-up');
  });

  it('marks text outside the GSM alphabet as unicode', () => {
    assert.equal(isGsm7('Votre code : 482913 — à bientôt'), false);
    assert.equal(isGsm7('Ihr Code: 482913. Grüße, Åsa & Ñoño €5'), true);
    const form = formToObject(vonageForm(sampleSms({ text: '您的验证码是 482913' }), 'Acme').toString());
    assert.equal(form.type, 'unicode');
    assert.deepEqual(checkSpec(form), []);
  });

  it('accepts a sender number given with + and sends it as digits', async () => {
    const provider = definition.create(
      { VONAGE_API_KEY: 'k', VONAGE_API_SECRET: 's', VONAGE_FROM: '+447700900000', VONAGE_BASE_URL: fake.url },
      { fetch },
    );
    await provider.send(sampleSms(), context());
    assert.equal(formToObject(fake.requests.at(-1)!.body).from, '447700900000');
    assert.deepEqual(definition.validate?.({ VONAGE_FROM: '+447700900000' }), []);
    assert.equal(definition.validate?.({ VONAGE_FROM: 'A very long sender name' }).length, 1);
  });
});
