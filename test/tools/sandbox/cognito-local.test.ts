/**
 * Sign up through cognito-local from the sandbox's API: the real emulator (npm `cognito-local`)
 * makes and encrypts the code and calls the sandbox's own function (the shipped bundle: `npm run
 * build` first) as CustomEmailSender; the call shows in the invocation list like a fired trigger,
 * the email lands in the sandbox inbox, and the code in it is the one cognito-local accepts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSandbox, type CognitoLocalSignUp, type InvocationRecord, type Sandbox, type SandboxInfo } from '../../../src/tools/sandbox/sandbox.ts';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const bundle = fileURLToPath(new URL('../../../dist/lambda/index.mjs', import.meta.url));
const PASSWORD = 'Correct-Horse-9';

async function post<T>(sandbox: Sandbox, path: string, body: unknown): Promise<{ status: number; json: T & { error?: string } }> {
  const response = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as T & { error?: string } };
}

async function get<T>(sandbox: Sandbox, path: string): Promise<T> {
  return (await (await fetch(`${sandbox.url}${path}`)).json()) as T;
}

describe('sandbox: sign up through cognito-local', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: { APP_NAME: 'Acme' } });
  });

  after(async () => {
    await sandbox?.close();
  });

  it('refuses a request without a valid email or password before starting anything', async () => {
    // Act
    const noEmail = await post(sandbox, '/api/cognito-local/sign-up', { password: PASSWORD });
    const badEmail = await post(sandbox, '/api/cognito-local/sign-up', { email: 'not-an-address', password: PASSWORD });
    const noPassword = await post(sandbox, '/api/cognito-local/sign-up', { email: 'ada@example.com', password: '' });
    const noCode = await post(sandbox, '/api/cognito-local/confirm', { email: 'ada@example.com' });

    // Assess
    assert.deepEqual([noEmail.status, badEmail.status, noPassword.status, noCode.status], [400, 400, 400, 400]);
    assert.match(noEmail.json.error ?? '', /email/);
    assert.match(badEmail.json.error ?? '', /email must be an email address/);
    assert.match(noPassword.json.error ?? '', /password is required/);
    assert.match(noCode.json.error ?? '', /code/);
    assert.equal((await get<SandboxInfo>(sandbox, '/api/state')).cognitoLocal, undefined, 'cognito-local is not started by a bad request');
  });

  it('signs up, records the invocation, delivers the code to the inbox, and confirms with it', async () => {
    // Prepare
    const email = 'ada@example.com';

    // Act
    const started = performance.now();
    const signUp = await post<CognitoLocalSignUp>(sandbox, '/api/cognito-local/sign-up', { email, password: PASSWORD });
    const signUpMs = performance.now() - started;

    // Assess: the invocation cognito-local caused, recorded with the email it delivered
    assert.equal(signUp.status, 200, signUp.json.error);
    assert.equal(signUp.json.status, 'UNCONFIRMED');
    const { invocations } = await get<{ invocations: InvocationRecord[] }>(sandbox, '/api/invocations');
    assert.equal(signUp.json.invocation?.ok, true, JSON.stringify(signUp.json.invocation?.error));
    const record = invocations.find((r) => r.id === signUp.json.invocation?.id);
    assert.ok(record, 'the cognito-local invocation is in the invocation list');
    assert.equal(record.origin, 'cognito-local');
    assert.equal(record.triggerSource, 'CustomEmailSender_SignUp');
    assert.equal(record.ok, true, JSON.stringify(record.error));
    assert.ok(record.logs.some((line) => line.json?.['message'] === 'delivered'), 'the function logged the delivery');
    assert.equal(record.emails.length, 1);
    assert.equal(record.emails[0]!.to, email);
    // The mail as the SMTP inbox received it carries the code the API reports.
    const received = sandbox.stack.smtp.messages.at(-1);
    assert.equal(received?.envelopeTo[0], email);
    assert.match(signUp.json.code ?? '', /^\d{6}$/);
    assert.ok(received?.parsed.text?.includes(signUp.json.code!), 'the code is in the mail');
    // The event is what cognito-local sent: an Encryption SDK message, not the code.
    const event = record.event as { request: { code: string } };
    assert.ok(!event.request.code.includes(signUp.json.code!));
    // (cognito-local's Encryption SDK writes message format 2; Cognito writes 1: the relay reads both.)
    assert.ok([0x01, 0x02].includes(Buffer.from(event.request.code, 'base64')[0]!), 'an Encryption SDK message');
    // The page's state names the emulator's endpoint now.
    const state = await get<SandboxInfo>(sandbox, '/api/state');
    assert.equal(state.cognitoLocal?.url, signUp.json.cognitoLocal.url);
    assert.match(state.cognitoLocal?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    console.log(`first sign-up (cognito-local start included): ${signUpMs.toFixed(0)} ms`);

    // Act: a wrong code first, then the delivered one
    const wrongCode = signUp.json.code === '000000' ? '111111' : '000000';
    const wrong = await post<{ status: string }>(sandbox, '/api/cognito-local/confirm', { email, code: wrongCode });
    const confirmed = await post<{ status: string }>(sandbox, '/api/cognito-local/confirm', { email, code: signUp.json.code });

    // Assess
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.error ?? '', /CodeMismatchException/);
    assert.equal(confirmed.status, 200, confirmed.json.error);
    assert.equal(confirmed.json.status, 'CONFIRMED');
  });

  it('says the user exists when the same email signs up again, and the emulator keeps serving', async () => {
    // Prepare
    const email = 'grace@example.com';
    const first = await post<CognitoLocalSignUp>(sandbox, '/api/cognito-local/sign-up', { email, password: PASSWORD });

    // Act
    const again = await post<CognitoLocalSignUp>(sandbox, '/api/cognito-local/sign-up', { email, password: PASSWORD });

    // Assess
    assert.equal(first.status, 200, first.json.error);
    assert.equal(again.status, 400);
    assert.match(again.json.error ?? '', /UsernameExistsException/);
    const confirmed = await post<{ status: string }>(sandbox, '/api/cognito-local/confirm', { email, code: first.json.code });
    assert.equal(confirmed.json.status, 'CONFIRMED');
  });
});

describe('sandbox: cognito-local routes follow the access rules', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;

  before(async () => {
    useTestAwsEnv();
    sandbox = await startSandbox({ port: 0, smtpPort: 0, host: '0.0.0.0', userEnv: {} });
  });

  after(async () => {
    await sandbox?.close();
  });

  it('refuses a sign-up without the access token, or from another origin, and starts nothing', async () => {
    // Prepare
    const body = JSON.stringify({ email: 'ada@example.com', password: PASSWORD });
    const json = { 'content-type': 'application/json' };

    // Act
    const withoutToken = await fetch(`${sandbox.origin}/api/cognito-local/sign-up`, { method: 'POST', headers: json, body });
    const confirmWithoutToken = await fetch(`${sandbox.origin}/api/cognito-local/confirm`, { method: 'POST', headers: json, body: JSON.stringify({ email: 'ada@example.com', code: '123456' }) });
    const crossOrigin = await fetch(`${sandbox.origin}/api/cognito-local/sign-up`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${sandbox.token}`, origin: 'https://evil.example' },
      body,
    });
    const notJson = await fetch(`${sandbox.origin}/api/cognito-local/sign-up`, { method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${sandbox.token}` }, body });

    // Assess
    assert.equal(withoutToken.status, 401);
    assert.equal(confirmWithoutToken.status, 401);
    assert.equal(crossOrigin.status, 403);
    assert.equal(notJson.status, 415);
    assert.equal(sandbox.info().cognitoLocal, undefined, 'cognito-local was not started');
    assert.equal(sandbox.stack.smtp.messages.length, 0);
  });
});

describe('sandbox: a sign-up the function cannot deliver (provider mode)', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let sendgrid: FakeProvider;

  before(async () => {
    useTestAwsEnv();
    // SendGrid refusing the key, as it does for a revoked one.
    sendgrid = await startFakeProvider({ status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] } });
    sandbox = await startSandbox({
      port: 0,
      smtpPort: 0,
      mode: 'provider',
      userEnv: { EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: 'SG.revoked', SENDGRID_BASE_URL: sendgrid.url, EMAIL_FROM: 'no-reply@acme.test' },
    });
  });

  after(async () => {
    await sandbox?.close();
    await sendgrid?.close();
  });

  it("says the function failed (with its error) while cognito-local, like Cognito, still created the user", async () => {
    // Act
    const signUp = await post<CognitoLocalSignUp>(sandbox, '/api/cognito-local/sign-up', { email: 'ada@example.com', password: PASSWORD });

    // Assess
    assert.equal(signUp.status, 200, signUp.json.error);
    assert.equal(signUp.json.status, 'UNCONFIRMED');
    assert.equal(signUp.json.code, undefined);
    assert.equal(signUp.json.invocation?.ok, false);
    assert.equal(signUp.json.invocation?.error?.name, 'ProviderError');
    assert.match(signUp.json.invocation?.error?.message ?? '', /sendgrid.*401.*SENDGRID_API_KEY/);
    const failed = sandbox.invocations().find((r) => r.id === signUp.json.invocation?.id);
    assert.equal(failed?.origin, 'cognito-local');
    assert.equal(failed?.triggerSource, 'CustomEmailSender_SignUp');
    assert.ok(sendgrid.requests.length >= 1, 'the function did try the provider');
  });
});
