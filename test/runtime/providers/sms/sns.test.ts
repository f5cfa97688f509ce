import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import definition, { createSns, snsInput } from '../../../../src/runtime/providers/sms/sns.ts';
import { awsQueryError, snsPublishResult } from '../../../support/aws-responses.ts';
import { smithyValidator } from '../../../support/aws-smithy.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleSms } from '../messages.ts';

process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
delete process.env.AWS_PROFILE;

const MESSAGE_ID = '6e0b1b62-8b2a-5a1f-9d38-7c0d1f2e3a4b';
const create = (url: string) => createSns({ region: 'eu-west-1', endpoint: url, senderId: 'Acme', originationNumber: '+14155550100' });
const checkPublish = smithyValidator('aws-sns/sns-2010-03-31.json', 'com.amazonaws.sns#Publish');

/** Reads an awsQuery form back into the operation input (maps are `Name.entry.N.Name/Value`). */
function publishInputFromForm(body: string): Record<string, unknown> {
  const form = new URLSearchParams(body);
  const input: Record<string, unknown> = {};
  const attributes: Record<string, Record<string, string>> = {};
  const names: Record<string, string> = {};
  for (const [key, value] of form) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.(\w+))$/.exec(key);
    if (entry) {
      const index = entry[1] as string;
      if (entry[2] === 'Name') names[index] = value;
      else (attributes[index] ??= {})[entry[3] as string] = value;
    } else if (key !== 'Action' && key !== 'Version') {
      input[key] = value;
    }
  }
  const map = Object.fromEntries(Object.entries(names).map(([index, name]) => [name, attributes[index] ?? {}]));
  if (Object.keys(map).length > 0) input.MessageAttributes = map;
  return input;
}

providerContract({
  name: 'sns',
  create,
  message: () => sampleSms(),
  success: { response: snsPublishResult(MESSAGE_ID), messageId: MESSAGE_ID },
  error: (status, text, headers) =>
    status === 401
      ? awsQueryError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.', headers)
      : awsQueryError(status, status === 400 ? 'InvalidParameter' : status === 429 ? 'Throttled' : 'InternalError', text, headers),
  sdkTransport: true,
  authHint: /sns:Publish/,
  cases: [
    {
      name: 'the role may not publish (AuthorizationError)',
      response: awsQueryError(403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish'),
      kind: 'permanent',
      text: /sns:Publish/,
    },
    {
      name: 'SNS throttles with HTTP 400 (Throttling)',
      response: awsQueryError(400, 'Throttling', 'Rate exceeded'),
      kind: 'retryable',
    },
    {
      name: 'the phone number is invalid',
      response: awsQueryError(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: +1415 is not valid to publish to'),
      kind: 'permanent',
      text: /phone_number/,
      recipient: true,
    },
  ],
});

describe('sns', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(snsPublishResult(MESSAGE_ID));
  });
  after(() => fake.close());

  it('calls Publish to the phone number as Transactional, valid against the SNS Smithy model', async () => {
    await create(fake.url).send(sampleSms(), context());
    const request = fake.requests.at(-1)!;
    assert.match(String(request.headers.authorization), /\/eu-west-1\/sns\/aws4_request/);
    const form = new URLSearchParams(request.body);
    assert.equal(form.get('Action'), 'Publish');
    assert.equal(form.get('Version'), '2010-03-31');
    const input = publishInputFromForm(request.body);
    assert.deepEqual(checkPublish(input), []);
    assert.equal(input.PhoneNumber, '+14155550123');
    assert.equal(input.Message, 'Your Acme code is 482913');
    assert.deepEqual(input.MessageAttributes, {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Acme' },
      'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+14155550100' },
    });
  });

  it('sends the local text even when a template is mapped: SNS has no templates', () => {
    const input = snsInput(sampleSms({ hostedTemplate: { id: 'ignored', variables: {} } }), {});
    assert.equal(input.Message, 'Your Acme code is 482913');
    assert.deepEqual(checkPublish(input), []);
  });

  it('rejects a sender ID or origination number SNS would refuse, at configuration time', () => {
    assert.deepEqual(definition.validate?.({ SNS_SENDER_ID: 'Acme', SNS_ORIGINATION_NUMBER: '+14155550100' }), []);
    assert.equal(definition.validate?.({ SNS_SENDER_ID: 'Acme Corporation Ltd' }).length, 1);
    assert.equal(definition.validate?.({ SNS_ORIGINATION_NUMBER: '4155550100' }).length, 1);
  });
});
