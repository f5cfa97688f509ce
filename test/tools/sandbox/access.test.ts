/**
 * Who may drive the sandbox: by default it listens on loopback only; bound anywhere else
 * (`--host 0.0.0.0`) every request must carry the access token printed at start, in local and
 * provider mode alike (in provider mode an open sandbox would relay mail on the user's own
 * provider keys). And settings are checked at start as the Lambda checks them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import { isLoopbackAddress } from '../../../src/tools/sandbox/server.ts';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const bundle = fileURLToPath(new URL('../../../dist/lambda/index.mjs', import.meta.url));

/** A raw request, so the test controls every header (fetch() follows redirects and drops Host). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const FIRE = JSON.stringify({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' }, code: '112358' });

describe('sandbox access', { timeout: 90_000 }, () => {
  let sendgrid: FakeProvider;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    sendgrid = await startFakeProvider({ status: 202, headers: { 'x-message-id': 'sg-access-1' } });
  });

  after(async () => {
    await sendgrid?.close();
  });

  it('listens on loopback unless asked, and needs no token there', async () => {
    // Act
    const sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: {} });
    try {
      const state = await rawRequest(`${sandbox.url}/api/state`);

      // Assess
      assert.equal(sandbox.host, '127.0.0.1');
      assert.equal(sandbox.token, undefined);
      assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(state.status, 200);
    } finally {
      await sandbox.close();
    }
  });

  for (const mode of ['local', 'provider'] as const) {
    it(`bound to 0.0.0.0 in ${mode} mode, refuses every request without the printed token`, async () => {
      // Prepare
      const sandbox: Sandbox = await startSandbox({
        port: 0,
        smtpPort: 0,
        host: '0.0.0.0',
        mode,
        userEnv: mode === 'provider' ? { EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: 'SG.user-key', SENDGRID_BASE_URL: sendgrid.url, EMAIL_FROM: 'no-reply@acme.test' } : {},
      });
      try {
        const sentBefore = sendgrid.requests.length;
        const base = sandbox.origin;
        const json = { 'content-type': 'application/json' };

        // Act
        const page = await rawRequest(`${base}/`);
        const rebound = await rawRequest(`${base}/api/state`, { headers: { host: 'localhost' } });
        const fire = await rawRequest(`${base}/api/invoke`, { method: 'POST', headers: { ...json, host: 'localhost' }, body: FIRE });
        const events = await rawRequest(`${base}/api/events`);
        const wrong = await rawRequest(`${base}/api/state?token=not-the-token`);
        const sentWithoutToken = sendgrid.requests.length - sentBefore;
        const link = await rawRequest(sandbox.url);
        const cookie = String([link.headers['set-cookie']].flat()[0] ?? '').split(';')[0]!;
        const withCookie = await rawRequest(`${base}/api/state`, { headers: { cookie } });
        const withBearer = await rawRequest(`${base}/api/invoke`, { method: 'POST', headers: { ...json, authorization: `Bearer ${sandbox.token}` }, body: FIRE });

        // Assess
        assert.match(sandbox.token ?? '', /^[\w-]{32,}$/, 'a random token of at least 192 bits');
        assert.equal(sandbox.url, `${base}/?token=${sandbox.token}`, 'the printed UI link carries it');
        for (const refused of [page, rebound, fire, events, wrong]) {
          assert.equal(refused.status, 401);
          assert.doesNotMatch(refused.body, /112358|ada@example\.com/);
        }
        assert.match(page.body, /access token/);
        assert.equal(sentWithoutToken, 0, 'nothing was sent through the provider without the token');
        assert.equal(link.status, 303, 'the link sets a cookie and drops the token from the address bar');
        assert.equal(link.headers.location, '/');
        assert.match(String(link.headers['set-cookie']), /HttpOnly/i);
        assert.match(String(link.headers['set-cookie']), /SameSite=Strict/i);
        assert.equal(withCookie.status, 200);
        assert.equal(withBearer.status, 200, withBearer.body);
        assert.equal((JSON.parse(withBearer.body) as { ok: boolean }).ok, true, withBearer.body);
      } finally {
        await sandbox.close();
      }
    });
  }

  it('keeps refusing other origins even with the token', async () => {
    // Prepare
    const sandbox = await startSandbox({ port: 0, smtpPort: 0, host: '0.0.0.0', userEnv: {} });
    try {
      // Act
      const crossOrigin = await rawRequest(`${sandbox.origin}/api/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.token}`, origin: 'https://evil.example' },
        body: FIRE,
      });

      // Assess
      assert.equal(crossOrigin.status, 403);
    } finally {
      await sandbox.close();
    }
  });

  it('tells loopback addresses from the others', () => {
    // Assess
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'example.com']) assert.equal(isLoopbackAddress(address), false, address);
  });
});

describe('sandbox settings', { timeout: 60_000 }, () => {
  before(() => useTestAwsEnv());

  it('refuses to start with a bad LOG_LEVEL or sender address, naming each, as the Lambda would', async () => {
    // Act
    const started = startSandbox({ port: 0, smtpPort: 0, userEnv: { LOG_LEVEL: 'verbose', EMAIL_FROM: 'not-an-address' } });

    // Assess
    await assert.rejects(started, (error: Error) => {
      assert.equal(error.name, 'ConfigError');
      assert.match(error.message, /LOG_LEVEL "verbose"/);
      assert.match(error.message, /EMAIL_FROM "not-an-address"/);
      return true;
    });
  });

  it('starts with a log level in any case, as the Lambda logger reads it', async () => {
    // Act
    const sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: { LOG_LEVEL: 'debug' } });

    // Assess
    try {
      assert.equal((await fetch(`${sandbox.url}/api/state`)).status, 200);
    } finally {
      await sandbox.close();
    }
  });
});

describe('sandbox request bodies', { timeout: 60_000 }, () => {
  before(() => useTestAwsEnv());

  it('refuses a body over 256 KiB, with or without a declared length, and names the field a bad request gets wrong', async () => {
    // Prepare
    const sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: {} });
    try {
      const big = JSON.stringify({ triggerSource: 'CustomEmailSender_SignUp', attributes: { padding: 'x'.repeat(300 * 1024) } });

      // Act
      const declared = await rawRequest(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      // Without a length the server stops reading at the limit: a 413, or the connection closed mid-upload.
      const chunked = await rawRequest(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big }).catch(
        (error: NodeJS.ErrnoException) => ({ status: 0, headers: {}, body: error.code ?? error.message }),
      );
      const badField = await rawRequest(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 42 } }) });
      const missing = await rawRequest(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

      // Assess
      assert.equal(declared.status, 413);
      assert.ok(chunked.status === 413 || chunked.body === 'ECONNRESET', `refused: ${chunked.status} ${chunked.body}`);
      assert.equal(badField.status, 400);
      assert.match(badField.body, /attributes/);
      assert.equal(missing.status, 400);
      assert.match(missing.body, /triggerSource is required/);
      assert.equal(sandbox.invocations().length, 0);
    } finally {
      await sandbox.close();
    }
  });
});
