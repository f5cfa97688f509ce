/**
 * The library API (`import { createHandler, defineProvider } from 'cognito-relay'`): hooks and
 * custom providers, through the real pipeline against the loopback KMS stand-in and a real SMTP
 * inbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler, defineProvider, ProviderError, type BeforeSend, type CreateHandlerOptions, type EmailMessage } from '../../src/runtime/index.ts';
import { recordingMetrics } from '../../src/runtime/observability/metrics.ts';
import { captureLogger, startHarness, type Harness } from '../support/harness.ts';

/** A recipient policy like cruxstack's, without OPA: address syntax and a disposable-domain list. */
const DISPOSABLE = new Set(['mailinator.com', 'guerrillamail.com', '10minutemail.com']);
const recipientPolicy: BeforeSend = (message) => {
  if (message.channel !== 'email') return undefined;
  const match = /^[^\s@]+@([^\s@]+\.[^\s@]+)$/.exec(message.to);
  if (!match) return { action: 'deny', reason: 'recipient address is not valid' };
  if (DISPOSABLE.has(match[1]!.toLowerCase())) return { action: 'deny', reason: 'disposable email domain' };
  return undefined;
};

describe('library API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const handlerWith = (options: CreateHandlerOptions, extraEnv: Record<string, string | undefined> = {}) => {
    const logger = captureLogger();
    const metrics = recordingMetrics();
    const handler = createHandler({ env: h.env(extraEnv), logger, metrics, ...options });
    return { handler, logger, metrics };
  };
  const signUp = async (email: string, code = '271828') =>
    h.event('CustomEmailSender_SignUp', await h.encrypt(code), { userAttributes: { email, email_verified: 'false' } });

  it('beforeSend sends when it returns nothing', async () => {
    const { handler } = handlerWith({ beforeSend: recipientPolicy });
    const sent = h.inbox.messages.length;
    const result = await handler(await signUp('ada@example.com'));
    assert.equal(result.provider, 'smtp');
    assert.equal(result.denied, undefined);
    assert.deepEqual(h.inbox.messages[sent]?.envelopeTo, ['ada@example.com']);
  });

  it('beforeSend denies: nothing sent, the invocation succeeds, the reason is logged and counted', async () => {
    const { handler, logger, metrics } = handlerWith({ beforeSend: recipientPolicy });
    const sent = h.inbox.messages.length;
    const result = await handler(await signUp('throwaway@mailinator.com'));
    assert.equal(result.denied, 'disposable email domain');
    assert.equal(result.attempts, 0);
    assert.equal(h.inbox.messages.length, sent, 'nothing was delivered');
    assert.equal(metrics.count({ outcome: 'denied', trigger: 'SignUp' }), 1);
    assert.match(logger.text(), /denied by beforeSend.*disposable email domain/s);
    assert.doesNotMatch(logger.text(), /throwaway@mailinator\.com/, 'the whole address is never logged');
  });

  it('beforeSend modifies the message: what it returns is what is sent', async () => {
    const { handler } = handlerWith({
      beforeSend: (message) =>
        message.channel === 'email' ? { action: 'modify', message: { ...message, subject: `[Beta] ${message.subject}`, replyTo: 'beta@example.com' } } : undefined,
    });
    const sent = h.inbox.messages.length;
    await handler(await signUp('ada@example.com'));
    const mail = h.inbox.messages[sent]!.parsed;
    assert.match(mail.subject ?? '', /^\[Beta\] /);
    assert.equal(mail.replyTo?.value[0]?.address, 'beta@example.com');
  });

  it('a modified message that lost the code is refused, not sent', async () => {
    const { handler } = handlerWith({
      beforeSend: (message) => ({ action: 'modify', message: { ...(message as EmailMessage), html: '<p>Welcome!</p>' } }),
    });
    const sent = h.inbox.messages.length;
    await assert.rejects(handler(await signUp('ada@example.com')), /beforeSend returned does not contain the code in its email HTML/);
    assert.equal(h.inbox.messages.length, sent);
  });

  it('a hook that throws fails the invocation with its message', async () => {
    const { handler } = handlerWith({
      beforeSend: () => {
        throw new Error('policy service unavailable');
      },
    });
    await assert.rejects(handler(await signUp('ada@example.com')), /policy service unavailable/);
  });

  it('resolveProfile picks a profile by name before the routes; an unknown name fails naming the profiles', async () => {
    const relayConfig = {
      profiles: { main: { appName: 'Main' }, partner: { appName: 'Partner', from: 'Partner <hi@partner.example>' } },
      default: 'main',
    };
    const { handler } = handlerWith({ relayConfig, resolveProfile: (event) => event.clientMetadata['brand'] });
    const sent = h.inbox.messages.length;
    await handler(h.event('CustomEmailSender_SignUp', await h.encrypt('314159'), { clientMetadata: { brand: 'partner' } }));
    assert.deepEqual(h.inbox.messages[sent]?.parsed.from?.value, [{ address: 'hi@partner.example', name: 'Partner' }]);
    await handler(h.event('CustomEmailSender_SignUp', await h.encrypt('314150')));
    assert.match(String(h.inbox.messages[sent + 1]?.parsed.html), /class="cr-brand"[^>]*>Main</, 'no brand asked for: the routes (here the default) decide');
    await assert.rejects(
      handler(h.event('CustomEmailSender_SignUp', await h.encrypt('314151'), { clientMetadata: { brand: 'nobody' } })),
      /resolveProfile returned "nobody", which is not a profile; profiles are main, partner/,
    );
  });

  it('a custom provider gets retries and failover: it fails retryably, then the next provider delivers', async () => {
    const calls: { to: string; idempotencyKey: string }[] = [];
    const flaky = defineProvider({
      name: 'in-house',
      channel: 'email',
      settings: [{ env: 'IN_HOUSE_TOKEN', required: true, secret: true, description: 'token of the in-house mailer' }],
      create: (settings) => ({
        async send(message, ctx) {
          assert.equal(settings['IN_HOUSE_TOKEN'], 'in-house-secret');
          calls.push({ to: message.to, idempotencyKey: ctx.idempotencyKey });
          throw new ProviderError({ provider: 'in-house', kind: 'retryable', status: 503, providerMessage: 'busy' });
        },
      }),
    });
    const { handler, metrics } = handlerWith(
      { providers: [flaky] },
      { EMAIL_PROVIDER: undefined, EMAIL_PROVIDERS: 'in-house,smtp', IN_HOUSE_TOKEN: 'in-house-secret', MAX_ATTEMPTS: '2' },
    );
    const sent = h.inbox.messages.length;
    const result = await handler(await signUp('ada@example.com'));
    assert.equal(result.provider, 'smtp');
    assert.equal(calls.length, 2, 'retried once at the custom provider (MAX_ATTEMPTS=2)');
    assert.equal(calls[0]!.idempotencyKey, calls[1]!.idempotencyKey, 'the same key on every attempt');
    assert.equal(h.inbox.messages.length, sent + 1);
    assert.equal(metrics.count({ provider: 'in-house', outcome: 'failed_over' }), 1);
  });

  it('a custom provider is configured like the built-ins: a missing setting fails naming it', async () => {
    const custom = defineProvider({ name: 'in-house', channel: 'email', settings: [{ env: 'IN_HOUSE_TOKEN', required: true, description: 'token' }], create: () => ({ send: async () => ({ provider: 'in-house' }) }) });
    const { handler } = handlerWith({ providers: [custom] }, { EMAIL_PROVIDER: 'in-house' });
    await assert.rejects(handler.ready, /IN_HOUSE_TOKEN.*is required by the in-house provider/);
    await assert.rejects(handler(await signUp('ada@example.com')), /IN_HOUSE_TOKEN/);
  });
});
