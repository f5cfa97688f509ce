import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import definition, { createSes, sesInput } from '../../../../src/runtime/providers/email/ses.ts';
import { restJson1Error } from '../../../support/aws-responses.ts';
import { smithyValidator } from '../../../support/aws-smithy.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { context, sampleEmail } from '../messages.ts';

// The real SDK signs every request; these credentials only need to exist.
process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
delete process.env.AWS_PROFILE;

const MESSAGE_ID = '010201234567abcd-1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-000000';
const accepted = { status: 200, body: { MessageId: MESSAGE_ID } };
const create = (url: string) => createSes({ region: 'eu-west-1', endpoint: url, configurationSet: 'cognito-codes' });
const checkSendEmail = smithyValidator('aws-ses-v2/sesv2-2019-09-27.json', 'com.amazonaws.sesv2#SendEmail');

providerContract({
  name: 'ses',
  create,
  message: () => sampleEmail(),
  success: { response: accepted, messageId: MESSAGE_ID },
  error: (status, text, headers) =>
    status === 401
      ? restJson1Error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.', headers)
      : restJson1Error(
          status,
          status === 400 ? 'BadRequestException' : status === 429 ? 'TooManyRequestsException' : status === 503 ? 'ServiceUnavailable' : 'InternalFailure',
          text,
          headers,
        ),
  sdkTransport: true,
  authHint: /ses:SendEmail/,
  cases: [
    {
      name: 'SES rejects the message (sandbox: recipient not verified)',
      response: restJson1Error(400, 'MessageRejected', 'Email address is not verified. The following identities failed the check in region EU-WEST-1: ada@example.com'),
      kind: 'permanent',
      text: /MessageRejected.*sandbox/,
    },
    {
      name: 'the MAIL FROM domain is not verified',
      response: restJson1Error(400, 'MailFromDomainNotVerifiedException', 'Mail-From domain is not verified'),
      kind: 'permanent',
      text: /MAIL FROM domain/,
    },
    {
      // sesv2 model: "There are too many instances of the specified resource type" — a count, not a rate.
      name: 'a resource limit is reached (LimitExceededException): trying again cannot help, another provider can',
      response: restJson1Error(400, 'LimitExceededException', 'There are too many instances of the specified resource type.'),
      kind: 'permanent',
      text: /resource limit/,
    },
    {
      name: 'the account is suspended',
      response: restJson1Error(400, 'AccountSuspendedException', 'Your account has been suspended'),
      kind: 'permanent',
      text: /reputation dashboard/,
    },
    {
      name: 'the configuration set does not exist (404)',
      response: restJson1Error(404, 'NotFoundException', 'Configuration set <cognito-codes> does not exist.'),
      kind: 'permanent',
      text: /SES_CONFIGURATION_SET/,
    },
  ],
});

describe('ses', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(accepted);
  });
  after(() => fake.close());

  it('calls SendEmail (POST /v2/email/outbound-emails, SigV4) with a body valid against the SES Smithy model', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/v2/email/outbound-emails');
    assert.match(String(request.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/ses\/aws4_request/);
    const body = JSON.parse(request.body);
    assert.deepEqual(checkSendEmail(body), []);
    assert.equal(body.FromEmailAddress, 'Acme <no-reply@example.com>');
    assert.deepEqual(body.Destination, { ToAddresses: ['ada@example.com'] });
    assert.deepEqual(body.ReplyToAddresses, ['support@example.com']);
    assert.equal(body.Content.Simple.Subject.Data, 'Your Acme verification code');
    assert.match(body.Content.Simple.Body.Html.Data, /<b>482913<\/b>/);
    assert.match(body.Content.Simple.Body.Text.Data, /482913/);
    assert.equal(body.ConfigurationSetName, 'cognito-codes');
    assert.deepEqual(body.EmailTags, [
      { Name: 'category', Value: 'cognito-sign-up' },
      { Name: 'userPoolId', Value: 'eu-west-1_AbCdEf123' },
      { Name: 'sub', Value: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' },
    ]);
  });

  it('sends a stored SES template by name with the variables as a TemplateData JSON string', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'CognitoSignUp', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSendEmail(body), []);
    assert.equal(body.Content.Template.TemplateName, 'CognitoSignUp');
    assert.deepEqual(JSON.parse(body.Content.Template.TemplateData), variables);
    assert.equal(body.Content.Simple, undefined);
  });

  it('encodes a non-ASCII sender name as an RFC 2047 encoded word, as SES requires', () => {
    const input = sesInput(sampleEmail({ from: { email: 'no-reply@example.com', name: 'Café Ünïcode' } }), undefined);
    assert.equal(input.FromEmailAddress, `=?UTF-8?B?${Buffer.from('Café Ünïcode').toString('base64')}?= <no-reply@example.com>`);
    assert.deepEqual(checkSendEmail(input), []);
  });

  it('keeps tag values to the characters SES allows', () => {
    const input = sesInput(sampleEmail({ metadata: { 'user pool': 'eu-west-1:pool/1' } }), undefined);
    assert.deepEqual(input.EmailTags?.[1], { Name: 'user_pool', Value: 'eu-west-1_pool_1' });
    assert.deepEqual(checkSendEmail(input), []);
  });

  it('lets the SDK take its endpoint from AWS_ENDPOINT_URL_SESV2 when SES_BASE_URL is not set', async () => {
    process.env.AWS_ENDPOINT_URL_SESV2 = fake.url;
    try {
      const before = fake.requests.length;
      const provider = definition.create({ SES_CONFIGURATION_SET: undefined }, { fetch, region: 'eu-west-1' });
      const delivered = await provider.send(sampleEmail(), context());
      assert.equal(delivered.messageId, MESSAGE_ID);
      assert.equal(fake.requests.length, before + 1);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SESV2;
    }
  });

  it('makes one attempt only: retries belong to delivery', async () => {
    fake.script(restJson1Error(500, 'InternalFailure', 'internal'));
    const before = fake.requests.length;
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'retryable');
    assert.equal(fake.requests.length, before + 1);
  });
});
