/**
 * `cognito-relay replay` against a loopback SQS stand-in holding what Lambda's on-failure
 * destination writes, re-driving through the real pipeline (KMS stand-in, SMTP inbox, fake
 * SendGrid) configured from the same environment the function has.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../support/harness.ts';
import { startSqsStandIn, type SqsStandIn } from '../../support/sqs-standin.ts';
import { startDynamo, type DynamoStandIn } from './support/dynamodb.ts';
import { run as replay } from '../../../src/tools/cli/commands/replay.ts';

let h: Harness;
let sqs: SqsStandIn;
let dynamo: DynamoStandIn;
before(async () => {
  h = await startHarness();
  sqs = await startSqsStandIn();
  dynamo = await startDynamo();
});
after(async () => {
  await h.close();
  await sqs.close();
  await dynamo.close();
});

let queues = 0;
let codes = 800_000;

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await replay(args, {
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: h.env({ AWS_ENDPOINT_URL_SQS: sqs.url, ...env }),
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

async function failedEvent(triggerSource: string, attributes: Record<string, string>) {
  codes += 1;
  const code = String(codes);
  return { code, event: h.event(triggerSource, await h.encrypt(code), { userAttributes: { sub: 'u-replay', ...attributes } }) };
}

/** What Lambda's on-failure destination sends to SQS after the last retry. */
function onFailureRecord(event: object, failedAt = new Date()) {
  return JSON.stringify({
    version: '1.0',
    timestamp: failedAt.toISOString(),
    requestContext: {
      requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
      functionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'ProviderError', errorMessage: 'sendgrid failed (HTTP 503): upstream unavailable', trace: [] },
  });
}

describe('replay', () => {
  it('re-drives on-failure records and raw events, deleting each only after delivery', async () => {
    // Prepare
    const queue = sqs.createQueue(`failures-${++queues}`);
    const wrapped = await failedEvent('CustomEmailSender_SignUp', { email: 'wrapped@example.com' });
    const raw = await failedEvent('CustomEmailSender_ResendCode', { email: 'raw@example.com' });
    sqs.send(queue, onFailureRecord(wrapped.event));
    sqs.send(queue, JSON.stringify(raw.event));
    const received = h.inbox.messages.length;

    // Act
    const result = await run(['--queue-url', queue]);

    // Assess
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(sqs.messages(queue).length, 0, 'both deleted');
    const mails = h.inbox.messages.slice(received);
    assert.deepEqual(mails.map((m) => m.envelopeTo[0]).sort(), ['raw@example.com', 'wrapped@example.com']);
    assert.ok(mails.find((m) => m.envelopeTo[0] === 'wrapped@example.com')?.parsed.text?.includes(wrapped.code));
    assert.match(result.stdout, /✓ CustomEmailSender_SignUp w\*\*\*@example\.com: delivered via smtp/);
    assert.match(result.stdout, /✓ CustomEmailSender_ResendCode r\*\*\*@example\.com: delivered via smtp/);
    assert.match(result.stdout, /2 events: 2 delivered\./);
    assert.ok(!result.stdout.includes('wrapped@example.com') && !result.stdout.includes(wrapped.code), 'no address or code in the output');
  });

  it('leaves an event that fails again in the queue, with the reason, and exits 1', async () => {
    const queue = sqs.createQueue(`failures-${++queues}`);
    const good = await failedEvent('CustomEmailSender_SignUp', { email: 'good@example.com' });
    const bad = await failedEvent('CustomSMSSender_SignUp', { phone_number: '+14155550123' });
    sqs.send(queue, onFailureRecord(bad.event));
    sqs.send(queue, onFailureRecord(good.event));
    h.twilio.script({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 } });

    const result = await run(['--queue-url', queue]);

    assert.equal(result.code, 1);
    const left = sqs.messages(queue);
    assert.equal(left.length, 1);
    assert.ok(left[0]?.body.includes('CustomSMSSender_SignUp'));
    assert.match(result.stdout, /✗ CustomSMSSender_SignUp \+14\*+123: failed: twilio rejected the message \(HTTP 400\): 21211.*left in the queue/);
    assert.match(result.stdout, /1 delivered, 1 failed/);
    h.twilio.script({ status: 201, body: { sid: 'SMok' } });
  });

  it('lists without sending or deleting in --dry-run, showing why each event failed', async () => {
    const queue = sqs.createQueue(`failures-${++queues}`);
    const event = await failedEvent('CustomEmailSender_SignUp', { email: 'dry@example.com' });
    sqs.send(queue, onFailureRecord(event.event));
    sqs.send(queue, onFailureRecord((await failedEvent('CustomEmailSender_SignUp', { email: 'dry2@example.com' })).event));
    const received = h.inbox.messages.length;

    const result = await run(['--queue-url', queue, '--dry-run']);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(sqs.messages(queue).length, 2);
    assert.equal(h.inbox.messages.length, received);
    assert.match(result.stdout, /· CustomEmailSender_SignUp d\*\*\*@example\.com: would replay \(at least \d+ s old\); it failed with: sendgrid failed \(HTTP 503\)/);
    assert.match(result.stdout, /2 events: 2 listed\./);
    assert.ok(sqs.messages(queue).every((m) => m.invisibleUntil <= Date.now()), 'a real run right after still sees them');
  });

  it('replays at most --max events', async () => {
    const queue = sqs.createQueue(`failures-${++queues}`);
    for (let i = 0; i < 3; i += 1) sqs.send(queue, onFailureRecord((await failedEvent('CustomEmailSender_SignUp', { email: `max${i}@example.com` })).event));
    const result = await run(['--queue-url', queue, '--max', '2']);
    assert.equal(result.code, 0);
    assert.equal(sqs.messages(queue).length, 1);
    assert.match(result.stdout, /2 events: 2 delivered\./);
  });

  it('skips events whose code has certainly expired, and says so; --include-expired sends them anyway', async () => {
    // Prepare: a password-reset code (valid 1 h) that failed two hours ago.
    const queue = sqs.createQueue(`failures-${++queues}`);
    const old = await failedEvent('CustomEmailSender_ForgotPassword', { email: 'late@example.com' });
    const twoHoursAgo = Date.now() - 2 * 3600_000;
    sqs.send(queue, onFailureRecord(old.event, new Date(twoHoursAgo)), { sentAt: twoHoursAgo });
    const received = h.inbox.messages.length;

    // Act + Assess
    const skipped = await run(['--queue-url', queue]);
    assert.equal(skipped.code, 0);
    assert.equal(h.inbox.messages.length, received);
    assert.equal(sqs.messages(queue).length, 1);
    assert.match(skipped.stdout, /! CustomEmailSender_ForgotPassword l\*\*\*@example\.com: skipped: at least 2 h old, and ForgotPassword codes are valid for 1 h: the user must ask for a new one/);

    // The skipped message is invisible for a while, as after any receive: make it visible again.
    for (const m of sqs.messages(queue)) m.invisibleUntil = 0;
    const forced = await run(['--queue-url', queue, '--include-expired']);
    assert.equal(forced.code, 0, forced.stdout);
    assert.equal(sqs.messages(queue).length, 0);
    assert.match(forced.stdout, /✓ CustomEmailSender_ForgotPassword l\*\*\*@example\.com: delivered via smtp.*at least 2 h old/);
  });

  it('acknowledges an event that was delivered after all (idempotency table), without sending it again', async () => {
    const table = await dynamo.createTable();
    const env = { EMAIL_PROVIDER: 'sendgrid', IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url };
    const { relay } = await h.relay(env);
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-first' } });
    const event = await failedEvent('CustomEmailSender_SignUp', { email: 'dup@example.com' });
    await relay.handle(event.event);
    const queue = sqs.createQueue(`failures-${++queues}`);
    sqs.send(queue, onFailureRecord(event.event));
    const before = h.sendgrid.requests.length;

    const result = await run(['--queue-url', queue], env);

    assert.equal(result.code, 0, result.stdout);
    assert.equal(h.sendgrid.requests.length, before);
    assert.equal(sqs.messages(queue).length, 0);
    assert.match(result.stdout, /already delivered \(via sendgrid\), nothing sent; removed from the queue/);
  });

  it('reports an unreadable message and leaves it', async () => {
    const queue = sqs.createQueue(`failures-${++queues}`);
    sqs.send(queue, 'not json at all');
    sqs.send(queue, JSON.stringify({ requestPayload: 'nope' }));
    const result = await run(['--queue-url', queue]);
    assert.equal(result.code, 1);
    assert.equal(sqs.messages(queue).length, 2);
    assert.match(result.stdout, /unreadable: the message body is not JSON/);
    assert.match(result.stdout, /unreadable: requestPayload is not an event object/);
  });

  it('says when the queue is empty', async () => {
    const result = await run(['--queue-url', sqs.createQueue(`failures-${++queues}`)]);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /The queue is empty/);
  });

  it('explains bad usage and a queue that does not exist', async () => {
    const usage = await run([]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--queue-url is required[\s\S]*Usage: cognito-relay replay/);
    const missing = await run(['--queue-url', `${sqs.url}/111122223333/no-such-queue`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /could not read .*no-such-queue: QueueDoesNotExist/);
  });

  it('stops before reading the queue when the relay is misconfigured', async () => {
    const queue = sqs.createQueue(`failures-${++queues}`);
    sqs.send(queue, onFailureRecord((await failedEvent('CustomEmailSender_SignUp', { email: 'cfg@example.com' })).event));
    const result = await run(['--queue-url', queue], { KMS_KEY_ARN: 'alias/wrong' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /misconfigured:[\s\S]*KMS_KEY_ARN[\s\S]*export the same environment/);
    assert.equal(sqs.calls.filter((c) => c.action === 'ReceiveMessage' && c.body.QueueUrl === queue).length, 0);
  });
});
