/**
 * The artifact we ship: dist/lambda/index.mjs and dist/lambda.zip (built by `npm test` before
 * the suite, or `npm run build`). Each case runs the bundle in a fresh Node process, as Lambda
 * does, against the loopback KMS stand-in and SMTP inbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startHarness, type Harness } from '../../support/harness.ts';
import { startFakeProvider } from '../../support/fake-provider.ts';
import { formToObject } from '../../support/openapi.ts';

const run = promisify(execFile);
const bundle = fileURLToPath(new URL('../../../dist/lambda/index.mjs', import.meta.url));
const zip = fileURLToPath(new URL('../../../dist/lambda.zip', import.meta.url));

/** Imports the bundle in a new process with this environment and invokes the handler once. */
async function invoke(env: Record<string, string | undefined>, event: unknown): Promise<{ ok: boolean; error?: string; stdout: string }> {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle)});
    const context = { awsRequestId: 'req-1', functionName: 'relay', getRemainingTimeInMillis: () => 30000 };
    try { await handler(JSON.parse(process.env.TEST_EVENT), context); console.log('RESULT ' + JSON.stringify({ ok: true })); }
    catch (e) { console.log('RESULT ' + JSON.stringify({ ok: false, error: e.message })); }
    // Lambda freezes the process after the call; here the pooled SMTP connection would keep it alive.
    process.exit(0);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...env, TEST_EVENT: JSON.stringify(event) } as NodeJS.ProcessEnv,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line, `no result in output:\n${stdout}`);
  return { ...JSON.parse(line.slice(7)), stdout };
}

let h: Harness;
before(async () => {
  assert.ok(existsSync(bundle), 'run `npm run build` first');
  h = await startHarness();
});
after(async () => h.close());

describe('the Lambda bundle', () => {
  it('exports handler and delivers a Cognito sign-up code end to end', async () => {
    const before = h.inbox.messages.length;
    const result = await invoke(h.env(), h.event('CustomEmailSender_SignUp', await h.encrypt('314159')));
    assert.equal(result.ok, true, result.error);
    const mail = await h.inbox.waitFor(before);
    assert.ok(mail.parsed.text?.includes('314159'));
    // Structured JSON logs on stdout, with the masked recipient and no code.
    const logs = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const delivered = logs.find((l) => l.message === 'delivered');
    assert.ok(delivered, 'a "delivered" log line');
    assert.equal(delivered.provider, 'smtp');
    assert.equal(delivered.recipient, 'a***@example.com');
    assert.ok(!result.stdout.includes('314159'), 'the code is never logged');
  });

  it('reads secrets from Secrets Manager and SSM once at cold start, through the real SDK', async () => {
    const secretsManager = await startFakeProvider({
      status: 200,
      body: { ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:sendgrid-AbCdEf', Name: 'sendgrid', SecretString: 'SG.from-secrets-manager' },
    });
    const ssm = await startFakeProvider({
      status: 200,
      body: { Parameter: { Name: '/relay/twilio-token', Type: 'SecureString', Value: 'token-from-ssm', Version: 1 } },
    });
    try {
      const env = {
        ...h.env({ EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: undefined, TWILIO_AUTH_TOKEN: undefined }),
        SENDGRID_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:sendgrid-AbCdEf',
        TWILIO_AUTH_TOKEN_PARAMETER: '/relay/twilio-token',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
        AWS_ENDPOINT_URL_SSM: ssm.url,
      };
      const sent = h.sendgrid.requests.length;
      const email = await invoke(env, h.event('CustomEmailSender_SignUp', await h.encrypt('271828')));
      assert.equal(email.ok, true, email.error);
      assert.equal(h.sendgrid.requests[sent]?.headers.authorization, 'Bearer SG.from-secrets-manager');
      assert.equal(secretsManager.requests[0]?.headers['x-amz-target'], 'secretsmanager.GetSecretValue');
      assert.equal(JSON.parse(secretsManager.requests[0]?.body ?? '{}').SecretId, env.SENDGRID_API_KEY_SECRET_ARN);
      assert.equal(ssm.requests[0]?.headers['x-amz-target'], 'AmazonSSM.GetParameter');
      assert.deepEqual(JSON.parse(ssm.requests[0]?.body ?? '{}'), { Name: '/relay/twilio-token', WithDecryption: true });

      const texts = h.twilio.requests.length;
      const sms = await invoke(env, h.event('CustomSMSSender_SignUp', await h.encrypt('161803')));
      assert.equal(sms.ok, true, sms.error);
      const twilioAuth = h.twilio.requests[texts]?.headers.authorization ?? '';
      assert.equal(Buffer.from(twilioAuth.replace('Basic ', ''), 'base64').toString(), 'AC0123456789abcdef0123456789abcdef:token-from-ssm');
      assert.ok(String(formToObject(h.twilio.requests[texts]?.body ?? '').Body).includes('161803'));
      assert.ok(!email.stdout.includes('SG.from-secrets-manager') && !sms.stdout.includes('token-from-ssm'), 'secrets never logged');
    } finally {
      await Promise.all([secretsManager.close(), ssm.close()]);
    }
  });

  it('fails every invocation with the full list of configuration problems', async () => {
    const result = await invoke({ ...h.env(), KMS_KEY_ARN: 'alias/oops', EMAIL_FROM: undefined }, h.event('CustomEmailSender_SignUp', await h.encrypt('1')));
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /KMS_KEY_ARN is a KMS alias/);
    assert.match(result.error ?? '', /EMAIL_FROM is required/);
  });

  it('is zipped with index.mjs at the root of dist/lambda.zip', () => {
    const bytes = readFileSync(zip);
    // Central directory file names: find "index.mjs" stored without a folder prefix.
    const names: string[] = [];
    for (let i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); i >= 0; i = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)) {
      const nameLength = bytes.readUInt16LE(i + 28);
      names.push(bytes.subarray(i + 46, i + 46 + nameLength).toString('utf8'));
    }
    assert.ok(names.includes('index.mjs'), `zip entries: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('dist/') || n.startsWith('lambda/')), 'no folder prefix');
  });
});
