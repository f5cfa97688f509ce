import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { createPlivo, plivoBody } from '../../../../src/runtime/providers/sms/plivo.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { documentedViolations } from '../documented.ts';
import { context, sampleSms } from '../messages.ts';

const MESSAGE_UUID = 'db3ce55a-7f1d-11e1-8ea7-1231380bc196';
const queued = { status: 202, body: { api_id: '4e1f954c-baf3-11ec-bafe-0242ac110003', message: 'message(s) queued', message_uuid: [MESSAGE_UUID] } };
const create = (url: string) => createPlivo({ authId: 'MAXXXXXXXXXXXXXXXXXX', authToken: 'token', from: '+14155550100', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'plivo',
  create,
  message: () => sampleSms(),
  success: { response: queued, messageId: MESSAGE_UUID },
  error: (status, text, headers) => ({ status, headers, body: { api_id: '5a9fcb68-523d-11e1-86da-6ff39efcb949', error: text } }),
  authHint: /PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN/,
  documented: [
    {
      name: 'the destination is not a valid phone number (400)',
      source: 'https://plivo.com/docs/messaging/concepts/destination-number-validation',
      response: { status: 400, body: { api_id: 'df5d4304-66af-11eb-91d8-0242ac110004', error: '19332631167 is not a valid phone number' } },
      kind: 'permanent',
      recipient: true,
      text: /cannot receive SMS/,
    },
    {
      name: 'the account sends too fast (429)',
      source: 'https://docs.plivo.com/docs/messaging/api/response',
      response: { status: 429, body: { api_id: '5a9fcb68-523d-11e1-86da-6ff39efcb949', error: 'too many requests' } },
      kind: 'retryable',
    },
  ],
});

describe('plivo', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(queued);
  });
  after(() => fake.close());

  it('posts JSON to /v1/Account/{auth_id}/Message/ with Basic auth, in the documented shape', async () => {
    await create(fake.url).send(sampleSms(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/');
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('MAXXXXXXXXXXXXXXXXXX:token').toString('base64')}`);
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('plivo', body), []);
    assert.deepEqual(body, { dst: '+14155550123', text: 'Your Acme code is 482913', type: 'sms', src: '+14155550100' });
  });

  it('sends from a Powerpack instead of a number when one is configured', () => {
    const body = plivoBody(sampleSms(), { powerpackUuid: 'd35f2e82-d387-427f-8594-6fa07613c43a', from: '+14155550100' });
    assert.deepEqual(documentedViolations('plivo', body), []);
    assert.equal(body.powerpack_uuid, 'd35f2e82-d387-427f-8594-6fa07613c43a');
    assert.equal(body.src, undefined);
  });

  it('requires a sender: PLIVO_FROM or PLIVO_POWERPACK_UUID', () => {
    assert.equal(definition.validate?.({}).length, 1);
    assert.deepEqual(definition.validate?.({ PLIVO_POWERPACK_UUID: 'x' }), []);
  });
});
