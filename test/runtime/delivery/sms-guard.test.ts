/**
 * The SMS guard on its own (counter taken, given back, keyed by a secret), and the DynamoDB
 * store's counter and salt against dynalite.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDynamoStore } from '../../../src/runtime/delivery/dynamodb-store.ts';
import { createSmsLimit, phoneNumberKey, SmsBlockedError } from '../../../src/runtime/delivery/sms-guard.ts';
import { captureLogger } from '../../support/harness.ts';
import { memoryStore, virtualClock } from './support/fakes.ts';
import { startDynamo, type DynamoStandIn } from './support/dynamodb.ts';

const NUMBER = '+14155550123';

describe('SMS guard: the per-number counter', () => {
  it('counts up to the limit, then blocks; a given-back count frees its place', async () => {
    const clock = virtualClock();
    const store = memoryStore();
    const limit = createSmsLimit({ store, max: 2, logger: captureLogger(), clock });
    const deadline = clock.now() + 10_000;
    const first = await limit.take(NUMBER, deadline);
    await limit.take(NUMBER, deadline);
    await assert.rejects(limit.take(NUMBER, deadline), (error: SmsBlockedError) => error instanceof SmsBlockedError && error.reason === 'rate_limit');
    await first?.giveBack(deadline);
    assert.ok(await limit.take(NUMBER, deadline));
  });

  it('gives back into the hour it was counted in, even when the hour has turned since', async () => {
    const clock = virtualClock(Date.UTC(2026, 0, 1, 9, 59, 59));
    const store = memoryStore();
    const limit = createSmsLimit({ store, max: 5, logger: captureLogger(), clock });
    const counted = await limit.take(NUMBER, clock.now() + 10_000);
    clock.advance(2_000);
    await counted?.giveBack(clock.now() + 10_000);
    assert.deepEqual([...store.counters.values()], [0]);
  });

  it('sends without the limit, loudly, when the table is unreachable', async () => {
    const logger = captureLogger();
    const store = memoryStore({ counterSalt: () => Promise.reject(new Error('connect ECONNREFUSED')) });
    const limit = createSmsLimit({ store, max: 1, logger, clock: virtualClock() });
    assert.equal(await limit.take(NUMBER, Date.now() + 10_000), undefined);
    assert.match(logger.text(), /SMS counter unavailable.*ECONNREFUSED/);
  });

  it('keys a number with HMAC under the salt: different salts, unrelated keys', () => {
    const a = phoneNumberKey(NUMBER, new Uint8Array(32).fill(1));
    const b = phoneNumberKey(NUMBER, new Uint8Array(32).fill(2));
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes('4155550123'));
  });
});

describe('DynamoDB store: SMS counters and their salt', () => {
  let dynamo: DynamoStandIn;
  before(async () => {
    dynamo = await startDynamo();
  });
  after(() => dynamo.close());

  it('creates one salt per table, the same for every instance, even when they race to create it', async () => {
    const table = await dynamo.createTable();
    const instances = [1, 2, 3, 4].map(() => createDynamoStore({ table, client: dynamo.client }));
    const salts = await Promise.all(instances.map((store) => store.counterSalt({})));
    assert.equal(salts[0]?.length, 32);
    assert.equal(new Set(salts.map((salt) => Buffer.from(salt).toString('hex'))).size, 1);
    const other = await createDynamoStore({ table: await dynamo.createTable(), client: dynamo.client }).counterSalt({});
    assert.notDeepEqual(Buffer.from(other), Buffer.from(salts[0] as Uint8Array));
  });

  it('takes a count back, never below zero', async () => {
    const table = await dynamo.createTable();
    const store = createDynamoStore({ table, client: dynamo.client });
    const now = Date.now();
    assert.deepEqual(await store.countSms('k', 1, { now }), { allowed: true });
    assert.deepEqual(await store.countSms('k', 1, { now }), { allowed: false });
    await store.uncountSms('k', { now });
    await store.uncountSms('k', { now });
    const counter = (await dynamo.scan(table)).find((item) => item.id?.S?.startsWith('sms#k#'));
    assert.equal(counter?.count?.N, '0');
    assert.deepEqual(await store.countSms('k', 1, { now }), { allowed: true });
  });
});
