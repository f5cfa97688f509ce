/**
 * `cognito-relay send-test`: one real message through the provider the environment configures.
 * The providers here are loopback fakes (SENDGRID_BASE_URL, TWILIO_BASE_URL): no test talks to
 * a real provider.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';
import { runCli, TEST_AWS_ENV } from '../sandbox/run-cli.ts';

describe('cognito-relay send-test', { timeout: 90_000 }, () => {
  let sendgrid: FakeProvider;
  let twilio: FakeProvider;

  const sendgridEnv = () => ({
    ...TEST_AWS_ENV,
    EMAIL_PROVIDER: 'sendgrid',
    SENDGRID_API_KEY: 'SG.my-key',
    SENDGRID_BASE_URL: sendgrid.url,
    EMAIL_FROM: 'no-reply@acme.test',
    APP_NAME: 'Acme',
  });

  before(async () => {
    sendgrid = await startFakeProvider({ status: 202, headers: { 'x-message-id': 'sg-test-42' } });
    twilio = await startFakeProvider({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } });
  });

  after(async () => {
    await sendgrid.close();
    await twilio.close();
  });

  it('sends a sign-up email through the configured provider and prints the code it carries', async () => {
    // Prepare
    const before = sendgrid.requests.length;

    // Act
    const result = await runCli(['send-test', '--to', 'me@acme.test', '--code', '314159', '--name', 'Grace'], { env: sendgridEnv() });

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /✓ Sent CustomEmailSender_SignUp to m\*\*\*@acme\.test through sendgrid \(message id sg-test-42\)/);
    assert.match(result.stdout, /Code in the message: 314159/);
    const sent = sendgrid.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.headers.authorization, 'Bearer SG.my-key');
    const body = JSON.parse(sent[0]!.body) as { personalizations: { to: { email: string }[] }[]; from: { email: string }; content: { value: string }[] };
    assert.equal(body.personalizations[0]!.to[0]!.email, 'me@acme.test');
    assert.equal(body.from.email, 'no-reply@acme.test');
    assert.ok(body.content.some((part) => part.value.includes('314159') && part.value.includes('Grace')));
  });

  it('sends an SMS when --to is a phone number', async () => {
    // Act
    const result = await runCli(['send-test', 'ForgotPassword', '--to', '+447700900123', '--code', '161803'], {
      env: {
        ...TEST_AWS_ENV,
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
        TWILIO_AUTH_TOKEN: 'token',
        TWILIO_FROM: '+15005550006',
        TWILIO_BASE_URL: twilio.url,
      },
    });

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Sent CustomSMSSender_ForgotPassword to \+44\*+123 through twilio/);
    const form = new URLSearchParams(twilio.requests.at(-1)!.body);
    assert.equal(form.get('To'), '+447700900123');
    assert.match(form.get('Body') ?? '', /161803/);
  });

  it('exits 1 with the provider’s answer and what to check when the provider refuses', async () => {
    // Prepare
    sendgrid.script({ status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null }] } });

    // Act
    const result = await runCli(['send-test', '--to', 'me@acme.test'], { env: sendgridEnv() });
    sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-test-42' } });

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /✗ CustomEmailSender_SignUp was not sent: ProviderError: .*authorization grant is invalid/);
    assert.match(result.stderr, /SENDGRID_API_KEY/);
  });

  it('exits 1 and points to simulate when no provider is configured for the channel', async () => {
    // Act
    const result = await runCli(['send-test', '--to', 'me@acme.test'], { env: TEST_AWS_ENV });

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No email provider is configured: set EMAIL_PROVIDER/);
    assert.match(result.stderr, /cognito-relay simulate SignUp/);
  });

  it('exits 1 with every configuration problem, as the Lambda would report them', async () => {
    // Act
    const result = await runCli(['send-test', '--to', 'me@acme.test'], { env: { ...TEST_AWS_ENV, EMAIL_PROVIDER: 'sendgrid' } });

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /SENDGRID_API_KEY/);
    assert.match(result.stderr, /EMAIL_FROM is required/);
  });

  it('exits 2 with the usage when --to is missing or not a recipient, or a flag is wrong', async () => {
    // Act
    const [missing, bad, mismatch, flag] = await Promise.all([
      runCli(['send-test']),
      runCli(['send-test', '--to', 'nobody']),
      runCli(['send-test', 'CustomSMSSender_SignUp', '--to', 'me@acme.test']),
      runCli(['send-test', '--to', 'me@acme.test', '--provider', 'sendgrid']),
    ]);

    // Assess
    for (const result of [missing, bad, mismatch, flag]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Usage: cognito-relay send-test/);
    }
    assert.match(missing.stderr, /Missing --to/);
    assert.match(bad.stderr, /not an email address or a phone number/);
    assert.match(mismatch.stderr, /sent by sms, but --to is an email address/);
    assert.match(flag.stderr, /--provider/);
  });
});
