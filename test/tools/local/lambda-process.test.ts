/**
 * The function process the sandbox runs a bundle in, with small stand-in bundles written for
 * each case: what a handler prints is kept per invocation, and timeouts, crashes and broken
 * imports come back as the errors Lambda would report.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLambdaProcess, type LambdaProcess } from '../../../src/tools/local/lambda-process.ts';

describe('function process', { timeout: 60_000 }, () => {
  let dir: string;
  const opened: LambdaProcess[] = [];

  const bundle = (name: string, source: string): string => {
    const path = join(dir, `${name}.mjs`);
    writeFileSync(path, source);
    return path;
  };
  const start = (path: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}) => {
    const lambda = startLambdaProcess({ bundle: path, env: { GREETING: 'hello', ...options.env }, timeoutMs: options.timeoutMs });
    opened.push(lambda);
    return lambda;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lambda-process-'));
  });

  after(async () => {
    await Promise.all(opened.map((lambda) => lambda.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the bundle once with the given environment and keeps each call’s output apart', async () => {
    // Prepare: a handler that logs JSON like Powertools and counts its calls
    const path = bundle(
      'counter',
      `console.log(JSON.stringify({ level: 'INFO', message: 'init', greeting: process.env.GREETING, leaked: process.env.HOME ?? null }));
       let calls = 0;
       export const handler = async (event, context) => {
         calls += 1;
         console.log(JSON.stringify({ level: 'INFO', message: 'call', calls, name: event.name, requestId: context.awsRequestId }));
         console.error('a warning');
       };`,
    );
    const lambda = start(path);

    // Act
    const first = await lambda.invoke({ name: 'one' });
    const second = await lambda.invoke({ name: 'two' });

    // Assess
    assert.equal(first.ok, true);
    assert.equal(first.coldStart, true);
    assert.ok((first.initMs ?? -1) >= 0);
    // stdout in order; stderr is another pipe, so only its presence is certain.
    const stdout = (outcome: typeof first) => outcome.logs.filter((l) => l.stream === 'stdout');
    const stderr = (outcome: typeof first) => outcome.logs.filter((l) => l.stream === 'stderr').map((l) => l.text);
    assert.deepEqual(stdout(first).map((l) => [l.init, l.json?.['message']]), [[true, 'init'], [false, 'call']]);
    assert.deepEqual(stderr(first), ['a warning']);
    assert.equal(stdout(first)[0]!.json?.['greeting'], 'hello');
    assert.equal(stdout(first)[0]!.json?.['leaked'], null, 'only the function environment is passed');
    assert.equal(stdout(first)[1]!.json?.['requestId'], first.requestId);
    assert.ok(first.logs.filter((l) => l.stream === 'stderr').every((l) => l.level === 'WARN'));
    assert.equal(second.coldStart, false);
    assert.deepEqual(stdout(second).map((l) => l.json?.['calls']), [2]);
    assert.deepEqual(stderr(second), ['a warning']);
    assert.equal(lambda.warmInvocations, 2);
  });

  it('returns the error a handler throws, with its name and code', async () => {
    // Prepare
    const path = bundle('thrower', `export const handler = async () => { throw Object.assign(new Error('no provider answered'), { name: 'ProviderError', code: 'PROVIDER_FAILED' }); };`);

    // Act
    const outcome = await start(path).invoke({});

    // Assess
    assert.equal(outcome.ok, false);
    assert.deepEqual(outcome.error, { name: 'ProviderError', message: 'no provider answered', code: 'PROVIDER_FAILED' });
  });

  it('times out a handler that does not finish, like Lambda, and starts afresh after', async () => {
    // Prepare
    const path = bundle('hang', `export const handler = async (event) => { if (event.hang) await new Promise(() => setInterval(() => {}, 1000)); };`);
    const lambda = start(path, { timeoutMs: 300 });

    // Act
    const stuck = await lambda.invoke({ hang: true });
    const after = await lambda.invoke({ hang: false });

    // Assess
    assert.equal(stuck.ok, false);
    assert.equal(stuck.error?.message, 'Task timed out after 0.30 seconds');
    assert.equal(after.ok, true);
    assert.equal(after.coldStart, true, 'a timed-out process is replaced');
  });

  it('reports a process that exits during the call, and a bundle that cannot be imported', async () => {
    // Prepare
    const exits = bundle('exits', `export const handler = async () => { process.exit(3); };`);
    const broken = bundle('broken', `import '../sandbox/missing-chunk.mjs'; export const handler = async () => {};`);
    const noHandler = bundle('nohandler', `export const other = 1;`);

    // Act
    const exited = await start(exits).invoke({});
    const importFailed = await start(broken).invoke({});
    const missing = await start(noHandler).invoke({});

    // Assess
    assert.equal(exited.error?.name, 'Runtime.ExitError');
    assert.match(exited.error?.message ?? '', /code 3/);
    assert.match(importFailed.error?.name ?? '', /Runtime\.ImportModuleError/);
    assert.match(importFailed.error?.message ?? '', /missing-chunk/);
    assert.equal(missing.error?.message, 'index.handler is undefined or not exported');
  });

  it('serves calls one at a time, in order, like one execution environment', async () => {
    // Prepare
    const path = bundle('slow', `export const handler = async (event) => { await new Promise((r) => setTimeout(r, 40)); console.log('done ' + event.n); };`);
    const lambda = start(path);

    // Act
    const outcomes = await Promise.all([1, 2, 3].map((n) => lambda.invoke({ n })));

    // Assess
    assert.deepEqual(outcomes.map((o) => o.logs.map((l) => l.text)), [['done 1'], ['done 2'], ['done 3']]);
    assert.deepEqual(outcomes.map((o) => o.coldStart), [true, false, false]);
  });
});
