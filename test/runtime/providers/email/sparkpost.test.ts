import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import definition, { createSparkPost, sparkPostBody } from '../../../../src/runtime/providers/email/sparkpost.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract, sendFailing } from '../contract.ts';
import { documentedViolations } from '../documented.ts';
import { context, sampleEmail } from '../messages.ts';

const TRANSMISSION_ID = '11668787484950529';
const accepted = { results: { total_rejected_recipients: 0, total_accepted_recipients: 1, id: TRANSMISSION_ID } };
const create = (url: string) => createSparkPost({ apiKey: 'sp-test-key', baseUrl: url, fetch: nodeTransport });
const sparkError = (status: number, message: string, code: string, description?: string, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { errors: [{ message, code, ...(description ? { description } : {}) }] },
});

providerContract({
  name: 'sparkpost',
  create,
  message: () => sampleEmail(),
  success: { response: { status: 200, body: accepted }, messageId: TRANSMISSION_ID },
  error: (status, text, headers) => sparkError(status, text, status === 401 ? '1001' : '1400', undefined, headers),
  authHint: /SPARKPOST_API_KEY/,
  failuresIn2xx: [
    {
      name: 'carries partial errors and rejected recipients',
      response: {
        status: 200,
        body: {
          errors: [{ message: 'transmission created, but with validation errors', code: '2000' }],
          results: {
            rcpt_to_errors: [{ message: 'required field is missing', description: 'address.email is required for each recipient', code: '1400' }],
            total_rejected_recipients: 1,
            total_accepted_recipients: 0,
            id: TRANSMISSION_ID,
          },
        },
      },
      kind: 'permanent',
      text: /1 recipient\(s\) rejected: 2000 transmission created, but with validation errors.*address\.email is required/,
      recipient: true,
    },
    {
      name: 'reports a rejected recipient without errors',
      response: { status: 200, body: { results: { total_rejected_recipients: 1, total_accepted_recipients: 0, id: TRANSMISSION_ID } } },
      kind: 'permanent',
      recipient: true,
    },
  ],
  cases: [
    {
      // transmissions.apib "Sending Limits": nothing is sent until the limit resets.
      name: 'the sending limit is reached (420, 2101): another provider may still deliver, this one not for a while',
      response: sparkError(420, 'Exceed Sending Limit (hourly)', '2101'),
      kind: 'permanent',
      text: /sending limit/,
    },
    {
      name: 'the sending domain is not verified (400, 7001)',
      response: sparkError(400, 'Invalid domain', '7001', 'Unconfigured or unverified sending domain.'),
      kind: 'permanent',
      text: /verified sending domain/,
    },
    {
      name: 'the mapped template does not exist (422, 1603)',
      response: sparkError(422, 'Subresource not found', '1603', "template 'otp-code' does not exist"),
      kind: 'permanent',
      text: /template/,
    },
  ],
});

describe('sparkpost', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider({ status: 200, body: accepted });
  });
  after(() => fake.close());

  it('posts a transactional transmission with the raw key, tracking off, in the documented shape', async () => {
    await create(fake.url).send(sampleEmail(), context());
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/transmissions');
    assert.equal(request.headers.authorization, 'sp-test-key', 'the raw key, no scheme');
    const body = JSON.parse(request.body);
    assert.deepEqual(documentedViolations('sparkpost', body), []);
    // perform_substitutions defaults to true: content rendered here must not be evaluated again.
    assert.deepEqual(body.options, { transactional: true, click_tracking: false, open_tracking: false, perform_substitutions: false });
    assert.deepEqual(body.recipients, [{ address: { email: 'ada@example.com' }, tags: ['cognito-sign-up'] }]);
    assert.equal(body.campaign_id, 'cognito-sign-up');
    assert.deepEqual(body.content.from, { email: 'no-reply@example.com', name: 'Acme' });
    assert.equal(body.content.reply_to, 'support@example.com');
    assert.equal(body.metadata.userPoolId, 'eu-west-1_AbCdEf123');
  });

  it('sends a stored template with the variables as substitution data and the configured sender as override', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleEmail({ hostedTemplate: { id: 'otp-code', variables } }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.deepEqual(documentedViolations('sparkpost', body), []);
    assert.deepEqual(body.content, { template_id: 'otp-code' });
    assert.deepEqual(body.recipients[0].substitution_data, variables);
    assert.deepEqual(body.override, { from: { email: 'no-reply@example.com', name: 'Acme' }, reply_to: 'support@example.com' });
    assert.equal(body.options.transactional, true);
    assert.equal(body.options.perform_substitutions, undefined, 'a stored template needs substitutions');
  });

  it("sends a user attribute that looks like SparkPost's template language as text, with substitutions off", async () => {
    const html = '<p>Hi {{ render_snippet("x") }}, your code is 482913</p>';
    await create(fake.url).send(sampleEmail({ html, text: 'Hi {{name}}, your code is 482913' }), context());
    const body = JSON.parse(fake.requests.at(-1)!.body);
    assert.equal(body.options.perform_substitutions, false);
    assert.equal(body.content.html, html);
  });

  it("leaves tracking and suppression to the account's defaults when a message does not ask to change them", () => {
    const body = sparkPostBody(sampleEmail({ disableTracking: false, transactional: false }));
    assert.deepEqual(body.options, { perform_substitutions: false });
  });

  it('defaults to the US API and documents the EU one', () => {
    const setting = definition.settings.find((s) => s.env === 'SPARKPOST_BASE_URL');
    assert.equal(setting?.default, 'https://api.sparkpost.com/api/v1');
    assert.match(setting?.description ?? '', /api\.eu\.sparkpost\.com/);
  });

  it("names SparkPost's own code and text in the error", async () => {
    fake.script(sparkError(400, 'Invalid domain', '7001', 'Unconfigured or unverified sending domain.'));
    const error = await sendFailing(create(fake.url), sampleEmail());
    assert.match(error.providerMessage, /7001 Invalid domain \(Unconfigured or unverified sending domain\.\)/);
  });
});
