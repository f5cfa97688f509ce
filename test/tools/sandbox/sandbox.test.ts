/**
 * The sandbox behind `npm start`, through its HTTP API: the shipped bundle in its own process,
 * codes encrypted as Cognito does, messages caught by the local SMTP and SMS inboxes, and
 * provider mode going to a (loopback) provider.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { startSandbox, type InvocationRecord, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import type { GalleryData } from '../../../src/tools/sandbox/gallery.ts';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const bundle = fileURLToPath(new URL('../../../dist/lambda/index.mjs', import.meta.url));

async function invoke(sandbox: Sandbox, body: unknown): Promise<{ status: number; json: InvocationRecord & { error?: unknown } }> {
  const response = await fetch(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as InvocationRecord };
}

/** A raw request, so tests can send the Host and Origin headers fetch() will not let them set. */
function rawRequest(url: string, options: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads server-sent events until one named `name` arrives. */
async function nextEvent(url: string, name: string, trigger: () => void, timeoutMs = 8_000): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let triggered = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffered += decoder.decode(value);
      if (!triggered) {
        // The stream is open (the server wrote its greeting): now cause the event.
        triggered = true;
        trigger();
      }
      const match = new RegExp(`event: ${name}\\ndata: (.*)\\n`).exec(buffered);
      if (match) return JSON.parse(match[1]!);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('sandbox (local mode)', { timeout: 90_000 }, () => {
  let sandbox: Sandbox;
  let userTemplates: string;
  let rebuilds = 0;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    userTemplates = mkdtempSync(join(tmpdir(), 'sandbox-api-templates-'));
    sandbox = await startSandbox({
      port: 0,
      smtpPort: 0,
      templatesDir: userTemplates,
      userEnv: { APP_NAME: 'Acme', EMAIL_FROM: 'hello@acme.test' },
      // Counted, not run: the real rebuild is `npm run build`, which other tests' dist/ relies on.
      rebuild: async () => {
        rebuilds += 1;
        return 'rebuilt';
      },
    });
  });

  after(async () => {
    await sandbox?.close();
    rmSync(userTemplates, { recursive: true, force: true });
  });

  it('delivers a sign-up email carrying the code, cold start first and warm after', async () => {
    // Act
    const first = await invoke(sandbox, { triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com', given_name: 'Ada' }, code: '602214' });
    const second = await invoke(sandbox, { triggerSource: 'CustomEmailSender_ResendCode', attributes: { email: 'ada@example.com' }, code: '141421' });

    // Assess
    assert.equal(first.status, 200);
    assert.equal(first.json.ok, true, JSON.stringify(first.json.error));
    assert.equal(first.json.emails.length, 1);
    const email = first.json.emails[0]!;
    assert.equal(email.to, 'ada@example.com');
    assert.match(email.from, /hello@acme\.test/);
    assert.match(email.text ?? '', /602214/);
    assert.match(email.html ?? '', /602214/);
    assert.ok(email.headers.some((h) => h.name.toLowerCase() === 'x-cognito-relay-trigger' && h.value === 'CustomEmailSender_SignUp'));
    assert.equal(first.json.delivered?.provider, 'smtp');
    // The event is what Cognito sends: an Encryption SDK message, not the code.
    const event = first.json.event as { request: { code: string; clientMetadata: unknown } };
    assert.equal(Buffer.from(event.request.code, 'base64')[0], 0x01, 'message format version 1');
    assert.equal(Buffer.from(event.request.code, 'base64').readUInt16BE(2), 0x0378, 'algorithm suite 0x0378');
    assert.equal(event.request.clientMetadata, null);
    // Lambda's lifecycle: INIT once, then warm calls in the same process.
    assert.equal(first.json.coldStart, true);
    assert.ok((first.json.timings.initMs ?? 0) > 0);
    assert.equal(second.json.coldStart, false);
    assert.equal(second.json.timings.initMs, undefined);
    assert.match(second.json.emails[0]?.text ?? '', /141421/);
    // The handler's own stdout, per invocation, never containing the code.
    const delivered = second.json.logs.find((line) => line.json?.['message'] === 'delivered');
    assert.equal(delivered?.json?.['recipient'], 'a***@example.com');
    assert.ok(!JSON.stringify(second.json.logs).includes('141421'));
  });

  it('sends SMS through the Twilio API of the SMS inbox', async () => {
    // Act
    const { json } = await invoke(sandbox, { triggerSource: 'CustomSMSSender_Authentication', attributes: { phone_number: '+33612345678' }, code: '918273' });

    // Assess
    assert.equal(json.ok, true, JSON.stringify(json.error));
    assert.equal(json.sms.length, 1);
    assert.equal(json.sms[0]!.to, '+33612345678');
    assert.match(json.sms[0]!.body, /918273/);
    assert.equal(json.delivered?.provider, 'twilio');
    assert.equal(json.delivered?.messageId, json.sms[0]!.sid);
  });

  it('answers Twilio-style 401 to a request without the account credentials', async () => {
    // Act
    const response = await fetch(`${sandbox.stack.sms.url}/2010-04-01/Accounts/ACnope/Messages.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B14155550123&Body=hi',
    });

    // Assess
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { code: number }).code, 20003);
  });

  it('gives back the exact temporary password after Cognito-style &lt; &gt; escaping', async () => {
    // Act
    const { json } = await invoke(sandbox, { triggerSource: 'CustomEmailSender_AdminCreateUser', attributes: { email: 'new@example.com' }, userName: 'new.user', code: 'Tq<7>mZ2!' });

    // Assess
    assert.equal(json.ok, true, JSON.stringify(json.error));
    assert.match(json.emails[0]?.text ?? '', /Tq<7>mZ2!/);
    assert.match(json.emails[0]?.text ?? '', /new\.user/);
  });

  it('looks the user up with AdminGetUser for a threat-protection notice that carries no email', async () => {
    // Prepare
    const lookupsBefore = sandbox.stack.users.lookups;

    // Act
    const { json } = await invoke(sandbox, {
      triggerSource: 'CustomEmailSender_AccountTakeOverNotification',
      attributes: { email: 'risky@example.com', given_name: 'Rita' },
      riskAttributes: { ACCOUNT_TAKE_OVER_ACTION: 'BLOCK', CITY: 'Porto' },
    });

    // Assess
    assert.equal(json.ok, true, JSON.stringify(json.error));
    const event = json.event as { request: { code: unknown; userAttributes: Record<string, string> } };
    assert.equal(event.request.code, null);
    assert.equal(event.request.userAttributes['email'], undefined);
    assert.equal(sandbox.stack.users.lookups, lookupsBefore + 1);
    assert.equal(json.emails[0]?.to, 'risky@example.com');
    assert.match(json.emails[0]?.text ?? '', /Porto/);
  });

  it('reports the error the handler raised and delivers nothing when the event is bad', async () => {
    // Act
    const { json } = await invoke(sandbox, { triggerSource: 'CustomSMSSender_SignUp', attributes: { phone_number: '0612345678' } });

    // Assess
    assert.equal(json.ok, false);
    assert.equal(json.error?.name, 'EventError');
    assert.match(json.error?.message ?? '', /phone_number.*E\.164/);
    assert.equal(json.sms.length, 0);
    assert.ok(json.logs.some((line) => line.level === 'ERROR' && line.json?.['message'] === 'delivery failed'));
  });

  it('lists mail an app sends to the SMTP port by itself, apart from invocations', async () => {
    // Prepare
    const transport = nodemailer.createTransport({ url: sandbox.stack.smtp.url });

    // Act
    await transport.sendMail({ from: 'app@example.com', to: 'someone@example.com', subject: 'From my app', text: 'Hello from elsewhere' });
    transport.close();
    const { messages } = (await (await fetch(`${sandbox.url}/api/messages`)).json()) as { messages: { kind: string; subject: string; invocationId?: number }[] };
    const { invocations } = (await (await fetch(`${sandbox.url}/api/invocations`)).json()) as { invocations: InvocationRecord[] };

    // Assess
    const mine = messages.find((m) => m.subject === 'From my app');
    assert.equal(mine?.kind, 'email');
    assert.equal(mine?.invocationId, undefined);
    assert.ok(!invocations.some((record) => record.emails.some((e) => e.subject === 'From my app')));
    assert.ok(!messages.some((m) => m.subject !== 'From my app'), 'messages from invocations are not listed twice');
  });

  it('starts a new function process when asked (the next call is a cold start) and empties the inbox', async () => {
    // Prepare
    const post = (path: string) => fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await invoke(sandbox, { triggerSource: 'CustomEmailSender_VerifyUserAttribute', attributes: { email: 'ada@example.com' } });

    // Act
    const restarted = await post('/api/restart');
    const next = await invoke(sandbox, { triggerSource: 'CustomEmailSender_UpdateUserAttribute', attributes: { email: 'ada@example.com' } });
    const cleared = await post('/api/clear');
    const { invocations } = (await (await fetch(`${sandbox.url}/api/invocations`)).json()) as { invocations: unknown[] };
    const { messages } = (await (await fetch(`${sandbox.url}/api/messages`)).json()) as { messages: unknown[] };

    // Assess
    assert.equal(restarted.status, 200);
    assert.equal(next.json.coldStart, true);
    assert.equal(next.json.ok, true, JSON.stringify(next.json.error));
    assert.equal(cleared.status, 200);
    assert.deepEqual(invocations, []);
    assert.deepEqual(messages, []);
  });

  it('refuses unknown triggers, non-JSON posts, other origins and other host names', async () => {
    // Act
    const unknown = await invoke(sandbox, { triggerSource: 'CustomEmailSender_Nope' });
    const form = await rawRequest(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"triggerSource":"CustomEmailSender_SignUp"}' });
    const crossOrigin = await rawRequest(`${sandbox.url}/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{"triggerSource":"CustomEmailSender_SignUp"}',
    });
    const rebound = await rawRequest(`${sandbox.url}/api/state`, { method: 'GET', headers: { host: 'evil.example' } });

    // Assess
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.json.error), /unknown trigger/);
    assert.equal(form.status, 415);
    assert.equal(crossOrigin.status, 403);
    assert.equal(rebound.status, 403);
  });

  it('serves the gallery data: every trigger × locale rendered, with the variables each may use', async () => {
    // Act
    const data = (await (await fetch(`${sandbox.url}/api/gallery`)).json()) as GalleryData;

    // Assess
    // The default locale first, then the others.
    assert.deepEqual(data.locales, ['en', 'de', 'fr']);
    assert.equal(data.cards.length, data.triggers.length * data.locales.length);
    const ato = data.triggers.find((t) => t.name === 'AccountTakeOverNotification')!;
    assert.deepEqual(ato.channels, ['email']);
    assert.ok(ato.variables.some((v) => v.name === 'links.confirm'));
    assert.ok(!data.triggers.find((t) => t.name === 'SignUp')!.variables.some((v) => v.name === 'links.confirm'));
    const frSignUp = data.cards.find((c) => c.trigger === 'SignUp' && c.locale === 'fr')!;
    assert.match(frSignUp.email?.html ?? '', /123456/);
    assert.ok(frSignUp.sms?.text);
    assert.equal(frSignUp.email?.sources['email.subject']?.user, false);
    assert.match(data.renderedWith, /file-system store/);
  });

  it('announces a template change, rebuilds the bundle with it and cold-starts the next call', async () => {
    // Act
    const announced = await nextEvent(`${sandbox.url}/api/events`, 'bundle', () => {
      mkdirSync(join(userTemplates, 'en/ForgotPassword'), { recursive: true });
      writeFileSync(join(userTemplates, 'en/ForgotPassword/email.subject'), 'Reset it, {{name}}');
    });
    // The rebuild announces "building" first; wait for it to finish.
    for (let i = 0; i < 50 && rebuilds === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const next = await invoke(sandbox, { triggerSource: 'CustomEmailSender_ForgotPassword', attributes: { email: 'ada@example.com' } });
    const gallery = (await (await fetch(`${sandbox.url}/api/gallery`)).json()) as GalleryData;

    // Assess
    assert.deepEqual(announced, { state: 'building' });
    assert.ok(rebuilds >= 1);
    assert.equal(next.json.coldStart, true);
    const card = gallery.cards.find((c) => c.trigger === 'ForgotPassword' && c.locale === 'en')!;
    assert.equal(card.email?.subject, 'Reset it, Ada');
    assert.equal(card.email?.sources['email.subject']?.user, true);
  });
});

describe('sandbox (provider mode)', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;
  let sendgrid: FakeProvider;

  before(async () => {
    useTestAwsEnv();
    sendgrid = await startFakeProvider({ status: 202, headers: { 'x-message-id': 'sg-sandbox-1' } });
    sandbox = await startSandbox({
      port: 0,
      smtpPort: 0,
      mode: 'provider',
      userEnv: {
        EMAIL_PROVIDER: 'sendgrid',
        SENDGRID_API_KEY: 'SG.user-key',
        SENDGRID_BASE_URL: sendgrid.url,
        EMAIL_FROM: 'no-reply@acme.test',
        IDEMPOTENCY_TABLE: 'relay-idempotency',
      },
    });
  });

  after(async () => {
    await sandbox?.close();
    await sendgrid?.close();
  });

  it('sends the email through the user’s own provider settings, with the code from the stand-in KMS', async () => {
    // Act
    const { json } = await invoke(sandbox, { triggerSource: 'CustomEmailSender_ForgotPassword', attributes: { email: 'me@acme.test' }, code: '577215' });

    // Assess
    assert.equal(json.ok, true, JSON.stringify(json.error));
    assert.equal(json.delivered?.provider, 'sendgrid');
    assert.equal(json.delivered?.messageId, 'sg-sandbox-1');
    assert.equal(sendgrid.requests.length, 1);
    assert.equal(sendgrid.requests[0]!.headers.authorization, 'Bearer SG.user-key');
    assert.match(sendgrid.requests[0]!.body, /577215/);
    assert.match(sendgrid.requests[0]!.body, /me@acme\.test/);
    assert.equal(json.emails.length, 0, 'nothing lands in the local inbox');
    const info = sandbox.info();
    assert.deepEqual(info.channels.email, { provider: 'sendgrid', local: false });
    assert.ok(info.notes.some((note) => note.includes('IDEMPOTENCY_TABLE')));
  });

  it('keeps SMS in the local inbox when the user configured no SMS provider', async () => {
    // Act
    const { json } = await invoke(sandbox, { triggerSource: 'CustomSMSSender_SignUp', attributes: { phone_number: '+14155550123' }, code: '662607' });

    // Assess
    assert.equal(json.ok, true, JSON.stringify(json.error));
    assert.match(json.sms[0]?.body ?? '', /662607/);
  });
});
