import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@aws-lambda-powertools/logger';
import { createLineOutput, stdoutLines } from '../../../src/runtime/observability/output.ts';
import { createLogger } from '../../../src/runtime/observability/logger.ts';
import { countOutcome, createEmfMetrics } from '../../../src/runtime/observability/metrics.ts';

/**
 * Every `process.<stream>.write` made while `fn` runs. Synchronous on purpose: the test runner
 * reports through stdout whenever this file awaits.
 */
function captureWrites(stream: 'stdout' | 'stderr', fn: () => void): string[] {
  const writes: string[] = [];
  const target = process[stream];
  const original = target.write;
  target.write = ((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  }) as typeof target.write;
  try {
    fn();
  } finally {
    target.write = original;
  }
  return writes;
}

const withoutTimestamp = (line: string) => {
  const { timestamp, ...rest } = JSON.parse(line) as Record<string, unknown>;
  assert.ok(timestamp, 'the line has a timestamp');
  return rest;
};

describe('one write per invocation', () => {
  it('writes the queued lines together, each on its own line, only when flushed', () => {
    const writes: string[] = [];
    const out = createLineOutput((text) => writes.push(text));
    out.write('{"message":"delivered"}');
    out.write('{"_aws":{}}');
    assert.deepEqual(writes, []);
    out.flush();
    assert.deepEqual(writes, ['{"message":"delivered"}\n{"_aws":{}}\n']);
    out.flush();
    assert.equal(writes.length, 1, 'nothing queued, nothing written');
  });

  it('writes what nobody flushed at the next turn of the event loop', async () => {
    const writes: string[] = [];
    const out = createLineOutput((text) => writes.push(text));
    out.write('a line logged before the relay waits for the network');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, ['a line logged before the relay waits for the network\n']);
  });

  it('the delivered log line and the EMF line reach stdout in one write', () => {
    const logger = createLogger({ serviceName: 'relay-test' });
    const metrics = createEmfMetrics({ serviceName: 'relay-test' });
    const writes = captureWrites('stdout', () => {
      countOutcome(metrics, { trigger: 'SignUp', channel: 'email', provider: 'sendgrid', outcome: 'delivered' });
      metrics.flush();
      logger.info('delivered', { provider: 'sendgrid' });
      stdoutLines.flush();
    });
    assert.equal(writes.length, 1, `writes: ${JSON.stringify(writes)}`);
    const lines = (writes[0] ?? '').split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0] ?? '')._aws.CloudWatchMetrics[0].Namespace, 'CognitoRelay');
    assert.equal(JSON.parse(lines[1] ?? '').message, 'delivered');
  });

  it('prints the line Powertools Logger itself prints', () => {
    const keys = { triggerSource: 'CustomEmailSender_SignUp' };
    const extra = { provider: 'sendgrid', attempts: 1, error: new Error('boom') };
    const stock = new Logger({ serviceName: 'relay-test', logLevel: 'DEBUG' });
    stock.appendKeys(keys);
    const actual: string[] = [];
    const output = createLineOutput((text) => actual.push(text));
    const ours = createLogger({ serviceName: 'relay-test', level: 'DEBUG', output });
    ours.appendKeys(keys);
    const expected = captureWrites('stdout', () => stock.debug('delivered', extra));
    ours.debug('delivered', extra);
    assert.deepEqual(actual, [], 'queued until flushed');
    output.flush();
    assert.equal(expected.length, 1);
    assert.equal(actual.length, 1);
    assert.deepEqual(withoutTimestamp(actual[0] ?? ''), withoutTimestamp(expected[0] ?? ''));
  });

  it('sends WARN and ERROR to stderr at once, after the lines queued before them', () => {
    const writes: string[] = [];
    const output = createLineOutput((text) => writes.push(`stdout ${JSON.parse(text).message}`));
    const logger = createLogger({ serviceName: 'relay-test', output });
    const stderr = captureWrites('stderr', () => {
      logger.info('queued first');
      logger.error('failed');
      writes.push('after error()');
    });
    assert.equal(stderr.length, 1);
    assert.equal(JSON.parse(stderr[0] ?? '').level, 'ERROR');
    assert.equal(JSON.parse(stderr[0] ?? '').message, 'failed');
    // The queued INFO line was written before error() returned, hence before the ERROR line.
    assert.deepEqual(writes, ['stdout queued first', 'after error()']);
  });
});
