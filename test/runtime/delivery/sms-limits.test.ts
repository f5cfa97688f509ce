/**
 * SMS anti-pumping through the real pipeline: the country allow-list and the per-number hourly
 * limit (counted in dynalite), with the loopback Twilio that must never see a blocked send.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../../support/harness.ts';
import { startDynamo, type DynamoStandIn } from './support/dynamodb.ts';
import { recordingMetrics } from '../../../src/runtime/observability/metrics.ts';
import { ConfigError, RelayError } from '../../../src/runtime/errors.ts';

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

let codes = 400_000;
async function smsEvent(phone: string) {
  codes += 1;
  return h.event('CustomSMSSender_ForgotPassword', await h.encrypt(String(codes)), {
    userAttributes: { sub: 'u-sms', phone_number: phone, phone_number_verified: 'true' },
  });
}

describe('SMS anti-pumping: allowed countries', () => {
  it('blocks a number outside SMS_ALLOWED_COUNTRIES before Twilio is called, and says why', async () => {
    // Prepare
    const metrics = recordingMetrics();
    const { relay } = await h.relay({ SMS_ALLOWED_COUNTRIES: '1,33' }, { metrics });
    const before = h.twilio.requests.length;

    // Act + Assess
    await assert.rejects(relay.handle(await smsEvent('+447700900123')), (error: RelayError) => {
      assert.ok(error instanceof RelayError);
      assert.equal(error.code, 'SMS_BLOCKED');
      assert.match(error.message, /country calling code \+44 is not in SMS_ALLOWED_COUNTRIES \(1,33\)/);
      assert.ok(!error.message.includes('7700900123'), 'the number is masked');
      return true;
    });
    assert.equal(h.twilio.requests.length, before);
    assert.equal(metrics.count({ outcome: 'rejected', channel: 'sms', trigger: 'ForgotPassword' }), 1);
  });

  it('sends to an allowed country', async () => {
    const { relay } = await h.relay({ SMS_ALLOWED_COUNTRIES: '1,33' });
    h.twilio.script({ status: 201, body: { sid: 'SMallowed' } });
    const result = await relay.handle(await smsEvent('+33612345678'));
    assert.equal(result.messageId, 'SMallowed');
  });

  it('narrows +1 with a longer prefix: +1 876 (Jamaica) is not +1 415 (California)', async () => {
    const { relay } = await h.relay({ SMS_ALLOWED_COUNTRIES: '1415' });
    h.twilio.script({ status: 201, body: { sid: 'SMca' } });
    assert.equal((await relay.handle(await smsEvent('+14155550199'))).messageId, 'SMca');
    await assert.rejects(relay.handle(await smsEvent('+18765550199')), /SMS_BLOCKED|calling code \+1 is not in SMS_ALLOWED_COUNTRIES/);
  });

  it('blocks a number that is not E.164, since its country cannot be told', async () => {
    const { relay } = await h.relay({ SMS_ALLOWED_COUNTRIES: '44' });
    await assert.rejects(relay.handle(await smsEvent('07700900123')), /not an E\.164 phone number/);
  });
});

describe('SMS anti-pumping: per-number hourly limit', () => {
  it('allows SMS_MAX_PER_NUMBER_PER_HOUR messages to a number, then blocks it; other numbers are unaffected', async () => {
    // Prepare
    const table = await dynamo.createTable();
    const metrics = recordingMetrics();
    const { relay } = await h.relay(
      { IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, SMS_MAX_PER_NUMBER_PER_HOUR: '2' },
      { metrics },
    );
    h.twilio.script({ status: 201, body: { sid: 'SMlimit' } });
    const before = h.twilio.requests.length;

    // Act
    const first = await smsEvent('+14155550100');
    await relay.handle(first);
    await relay.handle(structuredClone(first)); // a duplicate: acknowledged, not counted
    await relay.handle(await smsEvent('+14155550100'));
    const blocked = relay.handle(await smsEvent('+14155550100'));

    // Assess
    await assert.rejects(blocked, /SMS_MAX_PER_NUMBER_PER_HOUR \(2\) already reached/);
    assert.equal(h.twilio.requests.length - before, 2);
    assert.equal(metrics.count({ outcome: 'rejected' }), 1);
    await relay.handle(await smsEvent('+14155550101'));
    assert.equal(h.twilio.requests.length - before, 3);
    assert.ok(!JSON.stringify(await dynamo.scan(table)).includes('5550100'), 'counters are keyed by a hash, not the number');
  });

  it('lets Lambda retry a blocked event without consuming the allowance again', async () => {
    const table = await dynamo.createTable();
    const { relay } = await h.relay({ IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url, SMS_MAX_PER_NUMBER_PER_HOUR: '1' });
    h.twilio.script({ status: 201, body: { sid: 'SMone' } });
    await relay.handle(await smsEvent('+14155550102'));
    const blocked = await smsEvent('+14155550102');
    await assert.rejects(relay.handle(blocked), /SMS_BLOCKED|already reached/);
    await assert.rejects(relay.handle(structuredClone(blocked)), /already reached/);
    const counter = (await dynamo.scan(table)).find((item) => item.id?.S?.startsWith('sms#'));
    assert.equal(counter?.count?.N, '1');
  });

  it('refuses to start without IDEMPOTENCY_TABLE, where the counters live', async () => {
    await assert.rejects(h.relay({ SMS_MAX_PER_NUMBER_PER_HOUR: '5' }), (error: ConfigError) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE/);
      return true;
    });
  });
});

describe('delivery settings', () => {
  it('lists every bad setting at once', async () => {
    await assert.rejects(
      h.relay({ MAX_ATTEMPTS: '0', ATTEMPT_TIMEOUT_MS: '5s', SMS_MAX_PER_NUMBER_PER_HOUR: '5', SMS_ALLOWED_COUNTRIES: '4,44' }),
      (error: ConfigError) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4, error.message);
        assert.match(error.message, /MAX_ATTEMPTS must be a whole number from 1 to 10, got "0"/);
        assert.match(error.message, /ATTEMPT_TIMEOUT_MS must be a whole number from 100 to 60000, got "5s"/);
        assert.match(error.message, /SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE/);
        assert.match(error.message, /SMS_ALLOWED_COUNTRIES: "4" is not a country calling code/);
        return true;
      },
    );
  });
});
