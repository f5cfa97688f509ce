/**
 * `cognito-relay simulate`: one trigger through the relay on this machine, printed as delivered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, TEST_AWS_ENV } from '../sandbox/run-cli.ts';

const bundle = fileURLToPath(new URL('../../../dist/lambda/index.mjs', import.meta.url));

describe('cognito-relay simulate', { timeout: 120_000 }, () => {
  it('prints the verification email the user would receive, carrying the code', async () => {
    // Act
    const result = await runCli(['simulate', 'SignUp', '--email', 'grace@example.com', '--name', 'Grace', '--code', '271828'], { env: { ...TEST_AWS_ENV, APP_NAME: 'Acme' } });

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^From: +.*no-reply@example\.com/m);
    assert.match(result.stdout, /^To: +grace@example\.com$/m);
    assert.match(result.stdout, /^Subject: \S/m);
    assert.match(result.stdout, /271828/);
    assert.match(result.stdout, /Grace/);
    assert.match(result.stdout, /Acme/);
    assert.match(result.stderr, /✓ CustomEmailSender_SignUp delivered by smtp/);
  });

  it('sends the SMS of a trigger with --sms, in the locale the app passed', async () => {
    // Act
    const result = await runCli(['simulate', 'ForgotPassword', '--sms', '--phone', '+447700900123', '--meta', 'locale=fr', '--code', '112358', '--json'], { env: TEST_AWS_ENV });

    // Assess
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as {
      event: { triggerSource: string; request: { code: string; clientMetadata: Record<string, string> } };
      outcome: { ok: boolean; provider: string; locale: string };
      message: { to: string; body: string; segments: number };
    };
    assert.equal(output.event.triggerSource, 'CustomSMSSender_ForgotPassword');
    assert.deepEqual(output.event.request.clientMetadata, { locale: 'fr' });
    assert.notEqual(output.event.request.code, '112358', 'the event carries the encrypted code');
    assert.equal(output.outcome.provider, 'twilio');
    assert.equal(output.outcome.locale, 'fr');
    assert.equal(output.message.to, '+447700900123');
    assert.match(output.message.body, /112358/);
  });

  it('runs the built bundle in its own process with --bundle, temporary password intact', async () => {
    // Prepare
    assert.ok(existsSync(bundle), 'run `npm run build` first');

    // Act
    const result = await runCli(['simulate', 'AdminCreateUser', '--bundle', '--username', 'new.user', '--code', 'Tq<7>mZ2!', '--html'], { env: TEST_AWS_ENV });

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^<!DOCTYPE html>/i);
    // One HTML escape of the password Cognito escaped and the relay unescaped.
    assert.match(result.stdout, /Tq&lt;7&gt;mZ2!/);
    assert.match(result.stdout, /new\.user/);
  });

  it('exits 1 with the error the relay raised', async () => {
    // Act
    const result = await runCli(['simulate', 'SignUp', '--sms', '--phone', '0612345678'], { env: TEST_AWS_ENV });

    // Assess
    assert.equal(result.code, 1);
    assert.match(result.stderr, /✗ CustomSMSSender_SignUp failed: EventError: .*phone_number.*E\.164/);
  });

  it('exits 2 with the usage for an unknown trigger, a missing one, or a wrong flag', async () => {
    // Act
    const [unknown, missing, flag, pair] = await Promise.all([
      runCli(['simulate', 'SignIn']),
      runCli(['simulate']),
      runCli(['simulate', 'SignUp', '--emial', 'x@example.com']),
      runCli(['simulate', 'SignUp', '--meta', 'locale']),
    ]);

    // Assess
    for (const result of [unknown, missing, flag, pair]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Usage: cognito-relay simulate <trigger>/);
    }
    assert.match(unknown.stderr, /Unknown trigger "SignIn"/);
    assert.match(missing.stderr, /Which trigger\?/);
    assert.match(flag.stderr, /--emial/);
    assert.match(pair.stderr, /--meta takes key=value, not "locale"/);
  });
});
