import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { createPostmark } from '../../../../src/runtime/providers/email/postmark.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { documentedViolations } from '../documented.ts';
import { context, sampleEmail } from '../messages.ts';

const MESSAGE_ID = 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817';
const accepted = { To: 'ada@example.com', SubmittedAt: '2024-01-01T12:00:00Z', MessageID: MESSAGE_ID, ErrorCode: 0, Message: 'OK' };
const create = (url: string) => createPostmark({ serverToken: 'server-token', messageStream: 'outbound', baseUrl: url, fetch: nodeTransport });

providerContract({
  name: 'postmark',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 200, body: accepted }, messageId: MESSAGE_ID },
  error: (status, text, headers) => ({
    status,
    headers,
    body: { ErrorCode: status === 401 ? 10 : status === 429 ? 429 : status === 400 ? 300 : 0, Message: text },
  }),
  authHint: /POSTMARK_SERVER_TOKEN/,
  documented: [
    {
      name: "the 'From' address is invalid (422, ErrorCode 300)",
      source: 'https://postmarkapp.com/support/article/troubleshooting-422-unprocessable-entity-errors',
      response: { status: 422, body: { ErrorCode: 300, Message: "Invalid 'From' address: 'no-reply@'." } },
      kind: 'permanent',
      providerCode: '300',
      text: /ErrorCode 300/,
    },
    {
      name: 'the server token is wrong (401, ErrorCode 10)',
      source: 'https://postmarkapp.com/developer/api/overview (API error codes: 10 Bad or missing API token)',
      response: { status: 401, body: { ErrorCode: 10, Message: 'No Account or Server API tokens were supplied in the HTTP headers.' } },
      kind: 'permanent',
      providerCode: '10',
      text: /POSTMARK_SERVER_TOKEN/,
    },
    {
      name: 'rate limited (429, ErrorCode 429)',
      source: 'https://postmarkapp.com/developer/api/overview (API error codes: 429 Rate limit exceeded)',
      response: { status: 429, body: { ErrorCode: 429, Message: 'Rate limit exceeded.' } },
      kind: 'retryable',
    },
  ],
  failuresIn2xx: [
    {
      name: 'carries a non-zero ErrorCode',
      response: { status: 200, body: { ErrorCode: 406, Message: 'You tried to send to a recipient that has been marked as inactive.' } },
      kind: 'permanent',
      text: /ErrorCode 406.*inactive/,
      recipient: true,
    },
  ],
  cases: [
    {
      name: 'the recipient is inactive (422, ErrorCode 406)',
      response: { status: 422, body: { ErrorCode: 406, Message: 'You tried to send to a recipient that has been marked as inactive.' } },
      kind: 'permanent',
      text: /suppressions/,
      recipient: true,
    },
    {
      name: 'the sender signature is not confirmed (422, ErrorCode 400)',
      response: { status: 422, body: { ErrorCode: 400, Message: "The 'From' address you supplied is not a Sender Signature on your account." } },
      kind: 'permanent',
      text: /EMAIL_FROM is not a confirmed sender signature/,
    },
  ],
});

describe('postmark', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 200, body: accepted });
  });
  after(() => fake.close());

  it('posts to /email with the server token, on the transactional stream, tracking off', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/email');
    assert.equal(request.headers['x-postmark-server-token'], 'server-token');
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('postmarkEmail', body), []);
    assert.equal(body.From, 'Acme <no-reply@example.com>');
    assert.equal(body.To, 'ada@example.com');
    assert.equal(body.ReplyTo, 'support@example.com');
    assert.equal(body.MessageStream, 'outbound');
    assert.equal(body.TrackOpens, false);
    assert.equal(body.TrackLinks, 'None');
    assert.equal(body.Tag, 'cognito-sign-up');
    assert.deepEqual(body.Metadata, { userPoolId: 'eu-west-1_AbCdEf123', sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' });
  });

  it('sends a template by alias to /email/withTemplate with the variables as TemplateModel', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'code-signup', variables } }), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/email/withTemplate');
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('postmarkTemplate', body), []);
    assert.equal(body.TemplateAlias, 'code-signup');
    assert.deepEqual(body.TemplateModel, variables);
    assert.equal(body.Subject, undefined);
  });

  it('sends a numeric template mapping as TemplateId', async () => {
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: '3456789', variables: {} } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(documentedViolations('postmarkTemplate', body), []);
    assert.equal(body.TemplateId, 3456789);
    assert.equal(body.TemplateAlias, undefined);
  });

  it('quotes a display name with commas so it stays one address', async () => {
    await create(fake.url).send(sampleEmail({ from: { email: 'no-reply@example.com', name: 'Acme, Inc.' } }), context());
    assert.equal(JSON.parse(fake.requests.at(-1)!.body).From, '"Acme, Inc." <no-reply@example.com>');
  });

  it('is retryable when Postmark rate-limits (ErrorCode 429)', async () => {
    fake.script({ status: 429, body: { ErrorCode: 429, Message: 'Rate limit exceeded' } });
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.equal(error.kind, 'retryable');
  });

  it('uses the outbound stream unless POSTMARK_MESSAGE_STREAM says otherwise', () => {
    assert.equal(definition.settings.find((s) => s.env === 'POSTMARK_MESSAGE_STREAM')?.default, 'outbound');
  });
});
