/**
 * A template that does not parse while the sandbox runs: the real build (scripts/build.mjs, run
 * in a scratch copy of the project so the dist/ other tests use is left alone) fails, the last
 * good bundle stays in place and keeps answering, and the error names the file, line and column.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle } from '../../../src/tools/local/bundle.ts';
import { startSandbox, type InvocationRecord, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

async function invoke(sandbox: Sandbox, body: unknown): Promise<InvocationRecord> {
  const response = await fetch(`${sandbox.url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as InvocationRecord;
}

describe('sandbox rebuild', { timeout: 180_000 }, () => {
  let scratch: string;
  let userTemplates: string;
  let sandbox: Sandbox;
  const rebuilds: { ok: boolean; message: string }[] = [];

  before(async () => {
    useTestAwsEnv();
    // Inside the checkout (under dist/, ignored by git) so the bundle resolves node_modules as it does in dist/lambda.
    mkdirSync(join(repo, 'dist'), { recursive: true });
    scratch = mkdtempSync(join(repo, 'dist', 'rebuild-test-'));
    cpSync(join(repo, 'scripts'), join(scratch, 'scripts'), { recursive: true });
    cpSync(join(repo, 'src'), join(scratch, 'src'), { recursive: true });
    userTemplates = mkdtempSync(join(tmpdir(), 'sandbox-rebuild-templates-'));
    const env = { ...process.env, TEMPLATES_DIR: userTemplates };
    await buildBundle({ root: scratch, env });
    sandbox = await startSandbox({
      port: 0,
      smtpPort: 0,
      bundle: join(scratch, 'dist/lambda/index.mjs'),
      templatesDir: userTemplates,
      userEnv: {},
      rebuild: () => buildBundle({ root: scratch, env }),
      onRebuild: (result) => rebuilds.push(result),
    });
  });

  after(async () => {
    await sandbox?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    if (userTemplates) rmSync(userTemplates, { recursive: true, force: true });
  });

  it('keeps the last good bundle running and shows where the template breaks', async () => {
    // Prepare: a warm function on the good bundle
    const warm = await invoke(sandbox, { triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' }, code: '161803' });
    assert.equal(warm.ok, true, JSON.stringify(warm.error));

    // Act: a section left open on line 2
    mkdirSync(join(userTemplates, 'en/SignUp'), { recursive: true });
    writeFileSync(join(userTemplates, 'en/SignUp/email.subject'), 'Your code\n  {{#code}} is here');
    for (let i = 0; i < 600 && rebuilds.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const warmAfter = await invoke(sandbox, { triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' }, code: '271828' });
    await sandbox.restartFunction();
    const coldAfter = await invoke(sandbox, { triggerSource: 'CustomEmailSender_ForgotPassword', attributes: { email: 'ada@example.com' }, code: '314159' });
    const state = (await (await fetch(`${sandbox.url}/api/state`)).json()) as { lastBuild?: { ok: boolean; message: string } };

    // Assess
    assert.equal(rebuilds.length, 1);
    assert.equal(rebuilds[0]!.ok, false);
    assert.ok(existsSync(join(scratch, 'dist/lambda/index.mjs')), 'the last good bundle is still there');
    assert.equal(warmAfter.ok, true, JSON.stringify(warmAfter.error));
    assert.equal(coldAfter.ok, true, `a cold start loads the last good bundle: ${JSON.stringify(coldAfter.error)}`);
    assert.equal(coldAfter.coldStart, true);
    assert.match(coldAfter.emails[0]?.text ?? '', /314159/);
    assert.equal(state.lastBuild?.ok, false);
    assert.match(state.lastBuild?.message ?? '', /SignUp\/email\.subject:2:3: does not parse/, 'file, line and column of the section left open');
    assert.match(state.lastBuild?.message ?? '', /line 2, column 3/);
    assert.doesNotMatch(state.lastBuild?.message ?? '', / at \d+\b/, 'no character offset');
  });
});
