/**
 * Fault injection through the real pipeline: a relay bootstrapped from the environment (as the
 * Lambda handler does), real Cognito-format ciphertexts decrypted through the KMS stand-in, and
 * loopback SendGrid / Twilio / SMTP servers scripted to fail the way real providers do.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { captureLogger, startHarness, type Harness } from '../../support/harness.ts';
import { recordingMetrics } from '../../../src/runtime/observability/metrics.ts';
import { RelayError } from '../../../src/runtime/errors.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

/** A loopback port with nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SENDGRID_ONLY = { EMAIL_PROVIDER: 'sendgrid' };
const SENDGRID_THEN_SMTP = { EMAIL_PROVIDERS: 'sendgrid,smtp' };

async function signUpEvent(code = '123456', email = 'ada@example.com') {
  return h.event('CustomEmailSender_SignUp', await h.encrypt(code), { userAttributes: { sub: 'u-1', email } });
}

describe('delivery pipeline: retries', () => {
  it('retries 503, 503 and sends exactly one accepted message on the 202', async () => {
    // Prepare
    const metrics = recordingMetrics();
    const { relay } = await h.relay(SENDGRID_ONLY, { metrics });
    h.sendgrid.script({ status: 503, body: 'upstream unavailable' }, { status: 503, body: 'upstream unavailable' }, { status: 202, headers: { 'x-message-id': 'sg-accepted' } });
    const before = h.sendgrid.requests.length;

    // Act
    const result = await relay.handle(await signUpEvent());

    // Assess
    assert.equal(result.provider, 'sendgrid');
    assert.equal(result.messageId, 'sg-accepted');
    assert.equal(h.sendgrid.requests.length - before, 3, 'two failures, one acceptance, nothing more');
    assert.equal(metrics.count({ outcome: 'retried', provider: 'sendgrid' }), 2);
    assert.equal(metrics.count({ outcome: 'delivered', provider: 'sendgrid', trigger: 'SignUp', channel: 'email' }), 1);
  });

  it('waits for Retry-After: 1 before the next attempt, then delivers', async () => {
    const { relay } = await h.relay(SENDGRID_ONLY);
    h.sendgrid.script({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ message: 'too many requests' }] } }, { status: 202 });
    const before = h.sendgrid.requests.length;
    await relay.handle(await signUpEvent());
    const [first, second] = h.sendgrid.requests.slice(before);
    assert.ok(first && second);
    const waited = second.receivedAt - first.receivedAt;
    assert.ok(waited >= 950 && waited < 2_500, `waited ${waited} ms`);
  });

  it('abandons an attempt that hangs past ATTEMPT_TIMEOUT_MS and succeeds on the next one', async () => {
    const { relay } = await h.relay({ ...SENDGRID_ONLY, ATTEMPT_TIMEOUT_MS: '500' });
    h.sendgrid.script({ status: 202, delayMs: 10_000 }, { status: 202, headers: { 'x-message-id': 'second-try' } });
    const event = await signUpEvent();
    const started = Date.now();
    const result = await relay.handle(event);
    assert.equal(result.messageId, 'second-try');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms, not the 10 s hang`);
  });

  it('moves on to the next provider when the primary hangs', async () => {
    // Generous enough for SMTP's first connection on a busy machine; far below the hang.
    const { relay } = await h.relay({ ...SENDGRID_THEN_SMTP, ATTEMPT_TIMEOUT_MS: '2000', MAX_ATTEMPTS: '1' });
    h.sendgrid.script({ status: 202, delayMs: 20_000 });
    const received = h.inbox.messages.length;
    const result = await relay.handle(await signUpEvent('424242', 'hang@example.com'));
    assert.equal(result.provider, 'smtp');
    const mail = await h.inbox.waitFor(received);
    assert.deepEqual(mail.envelopeTo, ['hang@example.com']);
    assert.ok(mail.parsed.text?.includes('424242'));
  });

  it('does not retry a 400 and fails with what SendGrid said', async () => {
    const { relay } = await h.relay(SENDGRID_ONLY);
    h.sendgrid.script({
      status: 400,
      body: { errors: [{ message: 'The from email does not contain a valid address.', field: 'from.email' }] },
    });
    const before = h.sendgrid.requests.length;
    await assert.rejects(relay.handle(await signUpEvent()), (error: RelayError) => {
      assert.equal(error.code, 'PROVIDER_PERMANENT');
      assert.match(error.message, /sendgrid rejected the message \(HTTP 400\): from\.email: The from email does not contain a valid address\./);
      return true;
    });
    assert.equal(h.sendgrid.requests.length - before, 1);
  });

  it('retries Twilio 20429 (too many concurrent requests) and does not retry 21211', async () => {
    const { relay } = await h.relay();
    h.twilio.script(
      { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } },
      { status: 201, body: { sid: 'SMretried', status: 'queued' } },
    );
    const before = h.twilio.requests.length;
    const ok = await relay.handle(h.event('CustomSMSSender_SignUp', await h.encrypt('111222')));
    assert.equal(ok.messageId, 'SMretried');
    assert.equal(h.twilio.requests.length - before, 2);

    h.twilio.script({ status: 400, body: { code: 21211, message: "The 'To' number +1415555 is not a valid phone number.", status: 400 } });
    const again = h.twilio.requests.length;
    await assert.rejects(relay.handle(h.event('CustomSMSSender_SignUp', await h.encrypt('333444'))), /21211.*phone_number is not a valid phone number/);
    assert.equal(h.twilio.requests.length - again, 1);
  });
});

describe('delivery pipeline: failover', () => {
  it('delivers through the secondary when the primary refuses connections', async () => {
    // Prepare
    const port = await closedPort();
    const metrics = recordingMetrics();
    const { relay } = await h.relay({ ...SENDGRID_THEN_SMTP, SENDGRID_BASE_URL: `http://127.0.0.1:${port}` }, { metrics });
    const received = h.inbox.messages.length;

    // Act
    const result = await relay.handle(await signUpEvent('909090', 'down@example.com'));

    // Assess
    assert.equal(result.provider, 'smtp');
    const mail = await h.inbox.waitFor(received);
    assert.deepEqual(mail.envelopeTo, ['down@example.com']);
    assert.ok(mail.parsed.text?.includes('909090'));
    assert.equal(metrics.count({ outcome: 'failed_over', provider: 'sendgrid' }), 1);
    assert.equal(metrics.count({ outcome: 'delivered', provider: 'smtp' }), 1);
  });

  it('fails over when the primary rejects its API key (401): another provider can still deliver', async () => {
    const { relay } = await h.relay(SENDGRID_THEN_SMTP);
    h.sendgrid.script({ status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] } });
    const received = h.inbox.messages.length;
    const result = await relay.handle(await signUpEvent());
    assert.equal(result.provider, 'smtp');
    await h.inbox.waitFor(received);
  });

  it('does not fail over when the mail server says the recipient does not exist', async () => {
    const logger = captureLogger();
    const { relay } = await h.relay({ EMAIL_PROVIDERS: 'smtp,sendgrid' }, { logger });
    h.sendgrid.script({ status: 202 });
    h.inbox.rejectNext(1, 550, '5.1.1 <nobody@example.com>: Recipient address rejected: User unknown');
    const before = h.sendgrid.requests.length;
    await assert.rejects(relay.handle(await signUpEvent('555555', 'nobody@example.com')), /smtp rejected the message.*User unknown/);
    assert.equal(h.sendgrid.requests.length, before, 'the secondary was not asked');
    const attemptLogs = JSON.stringify(logger.lines.filter((l) => l.message === 'provider attempt failed'));
    assert.match(attemptLogs, /User unknown/);
    assert.ok(!attemptLogs.includes('nobody@example.com'), 'the address quoted by the server is masked in logs');
  });

  it('skips a dead primary on the next invocation of the same warm instance (circuit breaker)', async () => {
    // Prepare: one bootstrap = one warm instance.
    const { relay } = await h.relay(SENDGRID_THEN_SMTP);
    h.sendgrid.script({ status: 503, body: 'down' });
    const before = h.sendgrid.requests.length;
    const received = h.inbox.messages.length;

    // Act
    await relay.handle(await signUpEvent('100001'));
    const afterFirst = h.sendgrid.requests.length;
    const started = Date.now();
    await relay.handle(await signUpEvent('100002'));

    // Assess
    assert.equal(afterFirst - before, 3, 'first invocation: MAX_ATTEMPTS tries');
    assert.equal(h.sendgrid.requests.length, afterFirst, 'second invocation: the primary is skipped');
    assert.ok(Date.now() - started < 1_000, 'and nobody waited on it');
    await h.inbox.waitFor(received + 1);
  });
});

describe('delivery pipeline: the deadline', () => {
  it('fails fast without calling any provider when the invocation is nearly out of time', async () => {
    const { relay } = await h.relay(SENDGRID_ONLY);
    h.sendgrid.script({ status: 202 });
    const before = h.sendgrid.requests.length;
    const event = await signUpEvent();
    await assert.rejects(relay.handle(event, { getRemainingTimeInMillis: () => 1_200 }), (error: RelayError) => {
      assert.equal(error.code, 'DEADLINE');
      assert.match(error.message, /nothing was sent/);
      return true;
    });
    assert.equal(h.sendgrid.requests.length, before);
  });

  it('stops retrying before the deadline instead of being cut off by the Lambda timeout', async () => {
    const { relay } = await h.relay({ ...SENDGRID_ONLY, MAX_ATTEMPTS: '10' });
    h.sendgrid.script({ status: 503, body: 'down' });
    const started = Date.now();
    await assert.rejects(relay.handle(await signUpEvent(), { getRemainingTimeInMillis: () => 3_000 }), /DEADLINE|function times out/);
    const took = Date.now() - started;
    assert.ok(took < 2_000, `gave up after ${took} ms, within the 2 s budget`);
  });
});
