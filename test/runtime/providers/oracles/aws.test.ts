/**
 * The AWS providers against AWS SDK v3 clients used as AWS documents them: the operation input
 * written here from the API references (SES v2 SendEmail, SNS Publish for SMS, End User Messaging
 * SMS SendTextMessage), sent by a client of our own to the same capture server as the relay's
 * provider, and compared on the wire (protocol, target, signing scope, body).
 */
import { after, before, describe, it } from 'node:test';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { awsJson10, snsPublishResult } from '../../../support/aws-responses.ts';
import { context, sampleEmail, sampleSms } from '../messages.ts';
import { assertSameRequest, relayProvider, startCapture, type Capture } from './wire.ts';

// Both sides sign with the same static credentials; the signature itself is not compared.
process.env.AWS_ACCESS_KEY_ID = 'AKIDORACLETEST';
process.env.AWS_SECRET_ACCESS_KEY = 'oracle-test-secret';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

const REGION = 'eu-west-1';

/** Headers the SDK sets per call that say nothing about the operation. */
const SDK_HEADERS = {
  'x-amz-date': 'the signing time',
  'x-amz-content-sha256': 'a hash of the body, which is compared itself',
  'amz-sdk-invocation-id': 'a random id per call',
  'amz-sdk-request': "the SDK's attempt counter and retry budget (the relay retries itself: max=1)",
  'x-amz-user-agent': 'names the client library and its version',
};

/** An SDK client as AWS documents it, pointed at the capture server. */
const sdkConfig = (capture: Capture) => ({ region: REGION, endpoint: capture.url });

describe('ses against the SES v2 client (SendEmail)', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 200, body: { MessageId: '010201234567abcd-1a2b3c4d-000000' } });
  });
  after(() => capture.close());

  const relay = () => relayProvider('email', 'ses', { SES_BASE_URL: capture.url, SES_CONFIGURATION_SET: 'cognito-codes' }, REGION);

  const common = (message: ReturnType<typeof sampleEmail>) => ({
    FromEmailAddress: `${message.from.name} <${message.from.email}>`,
    Destination: { ToAddresses: [message.to] },
    ReplyToAddresses: [message.replyTo!],
    ConfigurationSetName: 'cognito-codes',
    // Message tags: names and values of ASCII letters, digits, _ and - (SES MessageTag).
    EmailTags: [
      { Name: 'category', Value: message.tags[0]! },
      { Name: 'userPoolId', Value: message.metadata.userPoolId! },
      { Name: 'sub', Value: message.metadata.sub! },
    ],
  });

  async function compare(message: ReturnType<typeof sampleEmail>, input: SendEmailCommandInput) {
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() => new SESv2Client(sdkConfig(capture)).send(new SendEmailCommand(input)));
    assertSameRequest(mine, theirs, { ignoreHeaders: SDK_HEADERS });
  }

  it('sends simple content as SendEmail documents it (restJson1, SigV4 for ses)', async () => {
    const message = sampleEmail();
    await compare(message, {
      ...common(message),
      Content: {
        Simple: {
          Subject: { Data: message.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' }, Html: { Data: message.html, Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('sends a stored template with its data as SendEmail documents it', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    const message = sampleEmail({ hostedTemplate: { id: 'CognitoSignUp', variables } });
    await compare(message, { ...common(message), Content: { Template: { TemplateName: 'CognitoSignUp', TemplateData: JSON.stringify(variables) } } });
  });
});

describe('sns against the SNS client (Publish to a phone number)', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture(snsPublishResult('5f1c6b4e-2b1a-5c3d-9e8f-0a1b2c3d4e5f'));
  });
  after(() => capture.close());

  it('publishes a transactional SMS with sender ID, origination number and price cap as Publish documents them (awsQuery)', async () => {
    const message = sampleSms();
    const settings = { SNS_BASE_URL: capture.url, SNS_SENDER_ID: 'Acme', SNS_ORIGINATION_NUMBER: '+15557654321', SNS_MAX_PRICE: '0.50' };
    const mine = await capture.during(async () => (await relayProvider('sms', 'sns', settings, REGION)).send(message, context()));
    // SMS attributes: https://docs.aws.amazon.com/sns/latest/dg/sms_publish-to-phone.html
    const input: PublishCommandInput = {
      PhoneNumber: message.to,
      Message: message.text,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Acme' },
        'AWS.MM.SMS.OriginationNumber': { DataType: 'String', StringValue: '+15557654321' },
        'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.50' },
      },
    };
    const theirs = await capture.during(() => new SNSClient(sdkConfig(capture)).send(new PublishCommand(input)));
    assertSameRequest(mine, theirs, {
      ignoreHeaders: SDK_HEADERS,
      // awsQuery numbers map entries by position (entry.1, entry.2…); which attribute gets which
      // number depends on insertion order, not on meaning.
      ignoreBody: Object.fromEntries(
        Object.keys((theirs.body ?? {}) as object)
          .filter((key) => key.startsWith('MessageAttributes.entry.'))
          .map((key) => [key, 'compared as a set below']),
      ),
    });
    const attributes = (wire: typeof mine) =>
      Object.entries(wire.body as Record<string, string>)
        .filter(([key]) => key.startsWith('MessageAttributes.entry.'))
        .reduce<Record<string, Record<string, string>>>((acc, [key, value]) => {
          const [, , n, ...rest] = key.split('.');
          (acc[n!] ??= {})[rest.join('.')] = value;
          return acc;
        }, {});
    const byName = (wire: typeof mine) => Object.fromEntries(Object.values(attributes(wire)).map((entry) => [entry.Name, entry]));
    assertSameRequest({ ...mine, body: byName(mine) }, { ...theirs, body: byName(theirs) }, { ignoreHeaders: SDK_HEADERS });
  });
});

describe('eum against the End User Messaging SMS client (SendTextMessage)', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture(awsJson10({ MessageId: 'a1b2c3d4-e5f6-7a8b-9c0d-1e2f3a4b5c6d' }));
  });
  after(() => capture.close());

  it('sends a transactional text with origination identity, configuration set and price cap as SendTextMessage documents them (awsJson1_0)', async () => {
    const message = sampleSms();
    const settings = { EUM_BASE_URL: capture.url, EUM_ORIGINATION_IDENTITY: '+15557654321', EUM_CONFIGURATION_SET: 'cognito-sms', EUM_MAX_PRICE: '0.50' };
    const mine = await capture.during(async () => (await relayProvider('sms', 'eum', settings, REGION)).send(message, context()));
    const input: SendTextMessageCommandInput = {
      DestinationPhoneNumber: message.to,
      OriginationIdentity: '+15557654321',
      MessageBody: message.text,
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'cognito-sms',
      MaxPrice: '0.50',
      // Context comes back in delivery events, for correlation (at most 5 entries).
      Context: { tag: message.tags[0]!, ...message.metadata },
    };
    const theirs = await capture.during(() => new PinpointSMSVoiceV2Client(sdkConfig(capture)).send(new SendTextMessageCommand(input)));
    assertSameRequest(mine, theirs, { ignoreHeaders: SDK_HEADERS });
  });
});
