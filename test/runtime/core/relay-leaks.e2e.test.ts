/**
 * Nothing sensitive leaves the relay: provider error bodies that echo the request (its headers
 * and body, as JSON, a form, an HTML page or URL-encoded text, cut anywhere) go through a real
 * loopback provider and the real relay (codes encrypted for the KMS stand-in, decrypted by the
 * SDK's keyring), and no log line and no thrown error may contain the code, the temporary
 * password, the API key or the whole recipient.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { captureLogger, startHarness, type Harness } from '../../support/harness.ts';
import type { RecordedRequest, ScriptedResponse } from '../../support/fake-provider.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

const SENDGRID_KEY = `SG.${randomBytes(16).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
const TWILIO_TOKEN = randomBytes(16).toString('hex');
const EMAIL = 'ada.lovelace+relay@example.com';
const PHONE = '+447700900123';

/** Every string inside a value: log attributes, an error's own fields and its causes. */
function strings(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return [];
  seen.add(value);
  const own = Object.getOwnPropertyNames(value).map((key) => (value as Record<string, unknown>)[key]);
  if (value instanceof Error) own.push(value.message, value.stack, value.cause);
  return own.flatMap((item) => strings(item, seen));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type EchoFormat = 'json' | 'form' | 'html' | 'url' | 'raw';

/** An error page that quotes `part` of the request, from `offset`, `length` characters, in `format`. */
function echo(request: RecordedRequest, choice: { format: EchoFormat; part: 'all' | 'headers' | 'body'; offset: number; length: number; prefix: string; status: number }): ScriptedResponse {
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\r\n');
  const whole = { all: `${request.method} ${request.path}\r\n${headers}\r\n\r\n${request.body}`, headers, body: request.body }[choice.part];
  const start = whole.length === 0 ? 0 : choice.offset % whole.length;
  const quoted = whole.slice(start, start + choice.length);
  switch (choice.format) {
    case 'json':
      return { status: choice.status, body: { status: choice.status, request: { headers: request.headers, body: request.body }, echo: `${choice.prefix}${quoted}` } };
    case 'form':
      return { status: choice.status, body: new URLSearchParams({ error: choice.prefix, echo: quoted }).toString() };
    case 'html':
      return {
        status: choice.status,
        headers: { 'content-type': 'text/html' },
        body: `<html><body><h1>${choice.status} Request blocked</h1>${escapeHtml(choice.prefix)}<pre>${escapeHtml(quoted)}</pre></body></html>`,
      };
    case 'url':
      return { status: choice.status, body: `${choice.prefix}error=${encodeURIComponent(quoted)}` };
    default:
      return { status: choice.status, body: `${choice.prefix}${quoted}` };
  }
}

/** Cognito escapes < and > in temporary passwords before encrypting them. */
const cognitoEscaped = (password: string) => password.replace(/</g, '&lt;').replace(/>/g, '&gt;');

function forbiddenForms(value: string): string[] {
  return [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), escapeHtml(value), JSON.stringify(value).slice(1, -1)];
}

const choices = fc.record({
  channel: fc.constantFrom('email' as const, 'sms' as const),
  temporaryPassword: fc.boolean(),
  code: fc.integer({ min: 0, max: 999_999 }).map((n) => String(n).padStart(6, '0')),
  password: fc
    .array(fc.constantFrom(...'ABCXYZabcxyz0123456789!#&<>=+ /%"\'?'.split('')), { minLength: 8, maxLength: 16 })
    .map((chars) => `Pw${chars.join('')}`),
  format: fc.constantFrom<EchoFormat>('json', 'form', 'html', 'url', 'raw'),
  part: fc.constantFrom('all' as const, 'headers' as const, 'body' as const),
  offset: fc.nat(4_000),
  length: fc.integer({ min: 1, max: 3_000 }),
  prefix: fc.string({ maxLength: 600 }),
  status: fc.constantFrom(400, 401, 422, 503),
});

describe('relay: nothing sensitive leaves through a provider that echoes the request', () => {
  it('keeps the code, the temporary password, the API key and the recipient out of every log line and the thrown error', async () => {
    const logger = captureLogger();
    const { relay } = await h.relay(
      {
        EMAIL_PROVIDER: 'sendgrid',
        SENDGRID_API_KEY: SENDGRID_KEY,
        TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
        MAX_ATTEMPTS: '1',
      },
      { logger },
    );
    const property = fc.asyncProperty(choices, async (c) => {
      logger.lines.length = 0;
      const provider = c.channel === 'email' ? h.sendgrid : h.twilio;
      provider.script((request) => echo(request, c));
      const trigger = `${c.channel === 'email' ? 'CustomEmailSender' : 'CustomSMSSender'}_${c.temporaryPassword ? 'AdminCreateUser' : 'SignUp'}`;
      const secret = c.temporaryPassword ? c.password : c.code;
      const ciphertext = await h.encrypt(c.temporaryPassword ? cognitoEscaped(secret) : secret);
      const event = h.event(trigger, ciphertext, { userAttributes: { sub: 'user-1', email: EMAIL, phone_number: PHONE } });

      const thrown = await relay.handle(event).then(
        () => assert.fail('the provider refused, so the relay must throw'),
        (error: unknown) => error,
      );

      const texts = [...strings(thrown), ...logger.lines.flatMap((line) => [line.message, ...strings(line.attributes)])];
      const forbidden = [
        ...forbiddenForms(secret),
        ...(c.temporaryPassword ? forbiddenForms(cognitoEscaped(secret)) : []),
        SENDGRID_KEY,
        TWILIO_TOKEN,
        Buffer.from(`${h.env().TWILIO_ACCOUNT_SID}:${TWILIO_TOKEN}`).toString('base64'),
        EMAIL,
        encodeURIComponent(EMAIL),
        PHONE,
        PHONE.slice(1),
      ];
      for (const text of texts) {
        for (const value of forbidden) {
          assert.ok(!text.includes(value), `leaked ${JSON.stringify(value)} in ${JSON.stringify(text.slice(0, 2_000))}`);
        }
      }
    });
    try {
      await fc.assert(property, { numRuns: 60, interruptAfterTimeLimit: 60_000 });
    } finally {
      h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-message-1' } });
      h.twilio.script({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } });
    }
  });

  it("scrubs the issue's example: a Twilio form echo quoting the code", async () => {
    const logger = captureLogger();
    const { relay } = await h.relay({ TWILIO_AUTH_TOKEN: TWILIO_TOKEN }, { logger });
    h.twilio.script((request) => ({ status: 400, body: `Invalid parameter: ${request.body}` }));
    try {
      const error = await relay.handle(h.event('CustomSMSSender_Authentication', await h.encrypt('310006'))).catch((e: unknown) => e as Error);
      assert.ok(error instanceof Error);
      assert.match(error.message, /twilio rejected the message \(HTTP 400\): Invalid parameter: .*Body=.*\[code\]/);
      assert.ok(!error.message.includes('310006'));
      assert.ok(!error.stack?.includes('310006'));
      assert.ok(!logger.text().includes('310006'));
      assert.match(logger.text(), /\[code\]/, 'the log says where the code was');
    } finally {
      h.twilio.script({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } });
    }
  });

  it('fails fast, scrubbed, on a 1 MB hostile error body that quotes the code', async () => {
    const logger = captureLogger();
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid', SENDGRID_API_KEY: SENDGRID_KEY, MAX_ATTEMPTS: '1' }, { logger });
    // Base64-like text with no separator: what made the old redaction quadratic (13–15 s for 120 kB).
    const filler = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkrLw'.repeat(22_000).slice(0, 1_000_000);
    h.sendgrid.script({ status: 400, body: `code 616161 ${filler}` });
    try {
      const started = performance.now();
      const error = await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('616161'))).catch((e: unknown) => e);
      const ms = performance.now() - started;
      assert.ok(error instanceof Error);
      assert.ok(ms < 3_000, `${ms.toFixed(0)} ms`);
      assert.match(error.message, /sendgrid rejected the message \(HTTP 400\): code \[code\] QUJD/);
      assert.ok(!logger.text().includes('616161'));
    } finally {
      h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-message-1' } });
    }
  });
});
