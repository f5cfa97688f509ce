import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import definition, { createEum, eumInput } from '../../../../src/runtime/providers/sms/eum.ts';
import { awsJson10, awsJson10Error } from '../../../support/aws-responses.ts';
import { smithyValidator } from '../../../support/aws-smithy.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleSms } from '../messages.ts';

process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
delete process.env.AWS_PROFILE;

const MESSAGE_ID = '1f6e5b2c-3d4a-4e5f-8a9b-0c1d2e3f4a5b';
const create = (url: string) =>
  createEum({ region: 'eu-west-1', endpoint: url, originationIdentity: 'pool-0123456789abcdef0123456789abcdef', configurationSet: 'cognito' });
const checkSendText = smithyValidator('aws-end-user-messaging-sms/pinpoint-sms-voice-v2-2022-03-31.json', 'com.amazonaws.pinpointsmsvoicev2#SendTextMessage');

providerContract({
  name: 'eum',
  create,
  message: () => sampleSms(),
  success: { response: awsJson10({ MessageId: MESSAGE_ID }), messageId: MESSAGE_ID },
  error: (status, text, headers) =>
    status === 401
      ? awsJson10Error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.', {}, headers)
      : status === 400
        ? awsJson10Error(400, 'ValidationException', text, { Reason: 'INVALID_PARAMETER' }, headers)
        : awsJson10Error(status, status === 429 ? 'ThrottlingException' : 'InternalServerException', text, {}, headers),
  sdkTransport: true,
  authHint: /sms-voice:SendTextMessage/,
  cases: [
    {
      name: 'the recipient opted out (ConflictException)',
      response: awsJson10Error(400, 'ConflictException', 'Destination phone number opted out', {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: 'Default',
      }),
      kind: 'permanent',
      text: /DESTINATION_PHONE_NUMBER_OPTED_OUT.*opted out/,
      recipient: true,
    },
    {
      name: 'the origination identity does not exist',
      response: awsJson10Error(404, 'ResourceNotFoundException', 'Pool not found', { ResourceType: 'pool', ResourceId: 'pool-0123' }),
      kind: 'permanent',
      text: /EUM_ORIGINATION_IDENTITY/,
    },
    {
      name: 'the role may not send (AccessDeniedException)',
      response: awsJson10Error(403, 'AccessDeniedException', 'not authorized', { Reason: 'ACCOUNT_DISABLED' }),
      kind: 'permanent',
      text: /sms-voice:SendTextMessage/,
    },
    {
      name: 'the monthly spend limit is reached (ServiceQuotaExceededException): trying again cannot help, another provider can',
      response: awsJson10Error(402, 'ServiceQuotaExceededException', 'Monthly spend limit reached', { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }),
      kind: 'permanent',
    },
    {
      name: 'throttled with HTTP 400 (ThrottlingException)',
      response: awsJson10Error(400, 'ThrottlingException', 'Rate exceeded'),
      kind: 'retryable',
    },
  ],
});

describe('eum', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(awsJson10({ MessageId: MESSAGE_ID }));
  });
  after(() => fake.close());

  it('calls SendTextMessage (awsJson1_0) as TRANSACTIONAL from the origination identity, valid against the Smithy model', async () => {
    await create(fake.url).send(sampleSms(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.headers['x-amz-target'], 'PinpointSMSVoiceV2.SendTextMessage');
    assert.equal(request.headers['content-type'], 'application/x-amz-json-1.0');
    assert.match(String(request.headers.authorization), /\/eu-west-1\/sms-voice\/aws4_request/);
    const body = JSON.parse(request.body);
    assert.deepEqual(checkSendText(body), []);
    assert.equal(body.DestinationPhoneNumber, '+14155550123');
    assert.equal(body.MessageBody, 'Your Acme code is 482913');
    assert.equal(body.MessageType, 'TRANSACTIONAL');
    assert.equal(body.OriginationIdentity, 'pool-0123456789abcdef0123456789abcdef');
    assert.equal(body.ConfigurationSetName, 'cognito');
    assert.deepEqual(body.Context, { tag: 'cognito-sign-up', userPoolId: 'eu-west-1_AbCdEf123', sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' });
  });

  it("refuses an EUM_MAX_PRICE that does not have the model's MaxPrice shape, and accepts one that does", () => {
    assert.match(definition.validate?.({ EUM_MAX_PRICE: 'fifty cents' }).join() ?? '', /EUM_MAX_PRICE "fifty cents" is not a price/);
    assert.match(definition.validate?.({ EUM_MAX_PRICE: '100' }).join() ?? '', /EUM_MAX_PRICE/);
    assert.deepEqual(definition.validate?.({ EUM_MAX_PRICE: '0.50' }), []);
  });

  it('keeps Context within the 5 entries and key/value rules of the model', () => {
    const metadata = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`key ${i}`, ` value ${i} `]));
    const input = eumInput(sampleSms({ metadata }), {});
    assert.equal(Object.keys(input.Context ?? {}).length, 5);
    assert.deepEqual(checkSendText(input), []);
  });

  it('lets the SDK take its endpoint from AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 when EUM_BASE_URL is not set', async () => {
    process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 = fake.url;
    try {
      const provider = definition.create({}, { fetch, region: 'eu-west-1' });
      assert.equal((await provider.send(sampleSms(), context())).messageId, MESSAGE_ID);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2;
    }
  });
});
