/**
 * At most one delivery per Cognito request, against a real DynamoDB-compatible server on
 * loopback (dynalite): the relay is bootstrapped from the environment with IDEMPOTENCY_TABLE and
 * AWS_ENDPOINT_URL_DYNAMODB, exactly as on Lambda. Two bootstraps play two Lambda instances.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startHarness, type Harness } from '../../support/harness.ts';
import { startDynamo, type DynamoStandIn } from './support/dynamodb.ts';
import { requestKey } from '../../../src/runtime/core/relay.ts';
import { recordingMetrics } from '../../../src/runtime/observability/metrics.ts';
import type { RelayError } from '../../../src/runtime/errors.ts';

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

async function tableEnv() {
  const table = await dynamo.createTable();
  return { table, env: { EMAIL_PROVIDER: 'sendgrid', IDEMPOTENCY_TABLE: table, AWS_ENDPOINT_URL_DYNAMODB: dynamo.url } };
}

let codes = 700_000;
async function freshEvent(email = 'ada@example.com') {
  codes += 1;
  const code = String(codes);
  return { code, event: h.event('CustomEmailSender_SignUp', await h.encrypt(code), { userAttributes: { sub: 'u-1', email } }) };
}

describe('idempotency: the same event more than once', () => {
  it('delivers once when the same event is invoked twice, and acknowledges the second', async () => {
    // Prepare
    const { env } = await tableEnv();
    const metrics = recordingMetrics();
    const { relay } = await h.relay(env, { metrics });
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-once' } });
    const { event } = await freshEvent();
    const before = h.sendgrid.requests.length;

    // Act
    const first = await relay.handle(event);
    const second = await relay.handle(structuredClone(event));

    // Assess
    assert.equal(h.sendgrid.requests.length - before, 1);
    assert.equal(first.messageId, 'sg-once');
    assert.equal((second as { deduplicated?: boolean }).deduplicated, true);
    assert.equal(second.messageId, 'sg-once', 'the duplicate reports the original message id');
    assert.equal(metrics.count({ outcome: 'deduplicated', provider: 'sendgrid' }), 1);
  });

  it('delivers once when two instances get the same event at the same time', async () => {
    // Prepare: two cold starts = two Lambda instances sharing the table.
    const { env } = await tableEnv();
    const [a, b] = await Promise.all([h.relay(env), h.relay(env)]);
    // Slow enough that the second instance arrives while the first is still sending.
    h.sendgrid.script({ status: 202, delayMs: 400, headers: { 'x-message-id': 'sg-concurrent' } });
    const { event } = await freshEvent();
    const before = h.sendgrid.requests.length;

    // Act
    const results = await Promise.all([a.relay.handle(event), b.relay.handle(structuredClone(event))]);

    // Assess
    assert.equal(h.sendgrid.requests.length - before, 1, 'one request reached the provider');
    assert.deepEqual(results.map((r) => (r as { deduplicated?: boolean }).deduplicated).sort(), [false, true]);
    assert.deepEqual(results.map((r) => r.messageId), ['sg-concurrent', 'sg-concurrent']);
  });

  it('lets Lambda’s retry deliver after a failed send', async () => {
    const { env } = await tableEnv();
    const { relay } = await h.relay(env);
    const { event } = await freshEvent();
    h.sendgrid.script({ status: 401, body: { errors: [{ message: 'bad key' }] } });
    await assert.rejects(relay.handle(event), /HTTP 401/);
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-retry' } });
    const before = h.sendgrid.requests.length;
    const retried = await relay.handle(structuredClone(event));
    assert.equal(retried.messageId, 'sg-retry');
    assert.equal((retried as { deduplicated?: boolean }).deduplicated, false);
    assert.equal(h.sendgrid.requests.length - before, 1);
  });

  it('sends a different code to the same user again (a new request is not a duplicate)', async () => {
    const { env } = await tableEnv();
    const { relay } = await h.relay(env);
    h.sendgrid.script({ status: 202 });
    const before = h.sendgrid.requests.length;
    await relay.handle((await freshEvent()).event);
    await relay.handle((await freshEvent()).event);
    assert.equal(h.sendgrid.requests.length - before, 2);
  });

  it('takes over a request whose claimer died (IN_PROGRESS past its lease)', async () => {
    // Prepare: a record as left by an instance that crashed mid-send a while ago.
    const { table, env } = await tableEnv();
    const { relay } = await h.relay(env);
    const { event } = await freshEvent();
    const key = requestKey({ userPoolId: event.userPoolId, userName: event.userName, triggerSource: event.triggerSource, encryptedCode: event.request.code ?? undefined });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          id: { S: `delivery#${key}` },
          status: { S: 'IN_PROGRESS' },
          lease: { S: 'dead-instance' },
          in_progress_expiration: { N: String(Date.now() - 60_000) },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        },
      }),
    );
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-takeover' } });

    // Act
    const result = await relay.handle(event);

    // Assess
    assert.equal(result.messageId, 'sg-takeover');
  });

  it('refuses to send while another instance is still delivering, so Lambda retries later', async () => {
    const { table, env } = await tableEnv();
    const { relay } = await h.relay(env);
    const { event } = await freshEvent();
    const key = requestKey({ userPoolId: event.userPoolId, userName: event.userName, triggerSource: event.triggerSource, encryptedCode: event.request.code ?? undefined });
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          id: { S: `delivery#${key}` },
          status: { S: 'IN_PROGRESS' },
          lease: { S: 'busy-instance' },
          in_progress_expiration: { N: String(Date.now() + 60_000) },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
        },
      }),
    );
    const before = h.sendgrid.requests.length;
    await assert.rejects(relay.handle(event), (error: RelayError) => error.code === 'DELIVERY_IN_PROGRESS');
    assert.equal(h.sendgrid.requests.length, before);
  });
});

describe('idempotency: what the table holds', () => {
  it('keeps a COMPLETED record keyed by a hash for at least 30 hours, with no code, ciphertext or address', async () => {
    const { table, env } = await tableEnv();
    const { relay } = await h.relay(env);
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-record' } });
    const { code, event } = await freshEvent('grace.hopper@example.com');
    await relay.handle(event);

    const items = await dynamo.scan(table);
    assert.equal(items.length, 1);
    const item = items[0] ?? {};
    assert.match(item.id?.S ?? '', /^delivery#[0-9a-f]{64}$/);
    assert.equal(item.status?.S, 'COMPLETED');
    assert.equal(item.provider?.S, 'sendgrid');
    assert.equal(item.message_id?.S, 'sg-record');
    const ttl = Number(item.expiration?.N) - Date.now() / 1000;
    assert.ok(ttl >= 30 * 3600 - 60 && ttl <= 31 * 3600, `TTL ${ttl} s`);
    const stored = JSON.stringify(items);
    assert.ok(!stored.includes(code), 'no plaintext code');
    assert.ok(!stored.includes(event.request.code ?? '\u0000'), 'no ciphertext');
    assert.ok(!stored.includes('grace.hopper'), 'no address');
  });

  it('writes nothing and sends nothing when the deadline is too close to start', async () => {
    const { table, env } = await tableEnv();
    const { relay } = await h.relay(env);
    const before = h.sendgrid.requests.length;
    await assert.rejects(relay.handle((await freshEvent()).event, { getRemainingTimeInMillis: () => 1_200 }), /DEADLINE|nothing was sent/);
    assert.equal(h.sendgrid.requests.length, before);
    assert.deepEqual(await dynamo.scan(table), []);
  });

  it('still delivers when the table cannot be reached: a duplicate is better than a lost code', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid', IDEMPOTENCY_TABLE: 'missing', AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}` });
    h.sendgrid.script({ status: 202, headers: { 'x-message-id': 'sg-unprotected' } });
    const result = await relay.handle((await freshEvent()).event);
    assert.equal(result.messageId, 'sg-unprotected');
  });
});
