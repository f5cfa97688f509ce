/**
 * Holes a red-team pass found in delivery, each reproduced through the real pipeline (a relay
 * bootstrapped from the environment, loopback providers, a DynamoDB-protocol server) so the same
 * test shows the hole on the old code and its fix on the new.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHarness, type Harness } from '../../support/harness.ts';
import { startDynamo, startSlowDynamo, type DynamoStandIn } from './support/dynamodb.ts';

let h: Harness;
let dynamo: DynamoStandIn;
before(async () => {
  h = await startHarness();
  dynamo = await startDynamo();
});
after(async () => {
  await h.close();
  await dynamo.close();
});

let codes = 900_000;
async function smsEvent(phone: string) {
  codes += 1;
  return h.event('CustomSMSSender_ForgotPassword', await h.encrypt(String(codes)), {
    userAttributes: { sub: 'u-red', phone_number: phone, phone_number_verified: 'true' },
  });
}
async function emailEvent() {
  codes += 1;
  return h.event('CustomEmailSender_SignUp', await h.encrypt(String(codes)), { userAttributes: { sub: 'u-red', email: 'ada@example.com' } });
}

describe('red team: the SMS per-number limit', () => {
  it('is not used up by sends that failed: after two 503s Lambda’s next attempt still delivers', async () => {
    // Prepare
    const table = await dynamo.createTable();
    const { relay } = await h.relay({ IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, SMS_MAX_PER_NUMBER_PER_HOUR: '2' });
    const event = await smsEvent('+14155550140');
    h.twilio.script({ status: 503, body: { code: 20500, message: 'Internal Server Error' } });

    // Act: Lambda's first attempt and first retry fail; the second retry meets a working Twilio.
    await assert.rejects(relay.handle(event), /HTTP 503/);
    await assert.rejects(relay.handle(structuredClone(event)), /HTTP 503/);
    h.twilio.script({ status: 201, body: { sid: 'SMthird' } });
    const third = await relay.handle(structuredClone(event));

    // Assess: and a new code to that number still fits in the hour's allowance of 2.
    assert.equal(third.messageId, 'SMthird');
    assert.equal((await relay.handle(await smsEvent('+14155550140'))).messageId, 'SMthird');
    await assert.rejects(relay.handle(await smsEvent('+14155550140')), /SMS_MAX_PER_NUMBER_PER_HOUR \(2\) already reached/);
  });

  it('keys its counters with a secret per table, not a hash anyone can compute from the number', async () => {
    const number = '+14155550141';
    const plainHash = createHash('sha256').update(`sms-rate\n${number}`).digest('hex');
    const counterIds: string[] = [];
    for (const table of [await dynamo.createTable(), await dynamo.createTable()]) {
      const { relay } = await h.relay({ IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, SMS_MAX_PER_NUMBER_PER_HOUR: '5' });
      h.twilio.script({ status: 201, body: { sid: 'SMsalted' } });
      await relay.handle(await smsEvent(number));
      const items = await dynamo.scan(table);
      assert.ok(!JSON.stringify(items).includes(plainHash), 'the unsalted hash of the number is not in the table');
      counterIds.push(items.find((item) => item.id?.S?.startsWith('sms#'))?.id?.S ?? '');
    }
    assert.ok(counterIds.every((id) => /^sms#[0-9a-f]{64}#\d+$/.test(id)), counterIds.join());
    assert.notEqual(counterIds[0], counterIds[1], 'two deployments key the same number differently');
  });
});

describe('red team: the deadline after a send', () => {
  it('finishes inside a 3 s invocation when the table is slow to record the delivery', async () => {
    // Prepare: a warm instance; then the provider takes 1.2 s to accept and recording COMPLETED hangs.
    const table = await dynamo.createTable();
    const slow = await startSlowDynamo(dynamo.url);
    try {
      const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid', IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: slow.url });
      h.sendgrid.script({ status: 202 });
      await relay.handle(await emailEvent());
      h.sendgrid.script({ status: 202, delayMs: 1_200, headers: { 'x-message-id': 'sg-slow-table' } });
      slow.delays.UpdateItem = 10_000;
      const event = await emailEvent();

      // Act
      const started = Date.now();
      const result = await relay.handle(event, { getRemainingTimeInMillis: () => 3_000 });
      const took = Date.now() - started;

      // Assess: Lambda would have killed it at 3 s, after the provider accepted, and sent again.
      assert.equal(result.messageId, 'sg-slow-table');
      assert.ok(took < 3_000, `took ${took} ms of a 3000 ms invocation`);
    } finally {
      await slow.close();
    }
  });
});

describe('red team: the circuit breaker', () => {
  it('lets exactly one of three concurrent invocations try a half-open provider', async () => {
    // Prepare: one failure opens sendgrid's breaker; after the 1 s cool-down it is half-open.
    const { relay } = await h.relay({ EMAIL_PROVIDERS: 'sendgrid,smtp', MAX_ATTEMPTS: '1', CIRCUIT_BREAKER_THRESHOLD: '1', CIRCUIT_BREAKER_COOLDOWN_MS: '1000' });
    h.sendgrid.script({ status: 503, body: 'down' });
    await relay.handle(await emailEvent());
    await sleep(1_100);
    // Still down, and slow to say so: the trial is in flight while the others arrive.
    h.sendgrid.script({ status: 503, body: 'down', delayMs: 300 });
    const before = h.sendgrid.requests.length;
    const received = h.inbox.messages.length;

    // Act
    const events = await Promise.all([emailEvent(), emailEvent(), emailEvent()]);
    const results = await Promise.all(events.map((event) => relay.handle(event)));

    // Assess
    assert.equal(h.sendgrid.requests.length - before, 1, 'one trial');
    assert.deepEqual(results.map((r) => r.provider), ['smtp', 'smtp', 'smtp']);
    await h.inbox.waitFor(received + 2);
    assert.equal(h.inbox.messages.length - received, 3);
  });
});
