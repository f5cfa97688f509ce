/**
 * The `cognito-relay` entry (bin/cognito-relay.mjs → src/tools/cli/main.ts): help, version, unknown
 * commands and dispatch, run as a child process like a user's shell runs it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../../src/tools/cli/main.ts';
import { spinner } from '../../../src/tools/cli/terminal.ts';
import { runCli } from '../sandbox/run-cli.ts';

const EXPECTED_COMMANDS = ['sandbox', 'simulate', 'preview', 'send-test', 'encrypt', 'attach', 'detach', 'doctor', 'replay'];

describe('cognito-relay', { timeout: 60_000 }, () => {
  it('lists every command with what it does on --help, and exits 0', async () => {
    // Act
    const result = await runCli(['--help']);

    // Assess
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: cognito-relay <command>/);
    for (const name of EXPECTED_COMMANDS) assert.match(result.stdout, new RegExp(`^  ${name} +\\S`, 'm'), `${name} is listed`);
    assert.match(result.stdout, /npm start/);
  });

  it('shows each command’s own one-line description in the overview', async () => {
    // Act: load every command module the way the dispatcher does
    const modules = await Promise.all(EXPECTED_COMMANDS.map(async (name) => [name, await COMMANDS[name]!.load()] as const));

    // Assess
    for (const [name, command] of modules) {
      assert.equal(COMMANDS[name]!.summary, command.meta.description, `the overview line of ${name} matches its description`);
      assert.equal(command.meta.name, name);
      assert.equal(typeof command.run, 'function');
    }
  });

  it('prints the usage on stderr and exits 2 without a command or with an unknown one', async () => {
    // Act
    const none = await runCli([]);
    const typo = await runCli(['simualte']);

    // Assess
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: cognito-relay <command>/);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Unknown command "simualte"\. Did you mean "simulate"\?/);
    assert.match(typo.stderr, /Usage: cognito-relay <command>/);
  });

  it('prints the package version', async () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

    // Act
    const result = await runCli(['--version']);

    // Assess
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), `cognito-relay ${version}`);
  });

  it('hands --help to the command, for the sandbox commands and the pool commands alike', async () => {
    // Act
    const [simulate, helpPreview, attach] = await Promise.all([runCli(['simulate', '--help']), runCli(['help', 'preview']), runCli(['attach', '--help'])]);

    // Assess
    assert.equal(simulate.code, 0);
    assert.match(simulate.stdout, /^Usage: cognito-relay simulate <trigger>/);
    assert.equal(helpPreview.code, 0);
    assert.match(helpPreview.stdout, /^Usage: cognito-relay preview <trigger>/);
    assert.equal(attach.code, 0);
    assert.match(attach.stdout, /^Usage: cognito-relay attach/);
  });
});

describe('spinner', () => {
  const stream = (isTTY: boolean) => {
    const chunks: string[] = [];
    return { isTTY, chunks, write: (chunk: string) => chunks.push(chunk) };
  };

  it('animates on a terminal, then clears its line and prints the result', async () => {
    // Prepare
    const stderr = stream(true);

    // Act
    const spin = spinner({ stdout: stream(false), stderr, env: {} }, 'Encrypting');
    await new Promise((r) => setTimeout(r, 200));
    spin.succeed('Encrypted');

    // Assess
    const frames = stderr.chunks.filter((c) => c.includes('Encrypting…'));
    assert.ok(frames.length >= 2, `redrawn while waiting (${frames.length} frames)`);
    assert.ok(frames.every((c) => c.startsWith('\r\u001b[2K')), 'each frame overwrites the line');
    assert.equal(stderr.chunks.at(-1), '✓ Encrypted\n');
  });

  it('draws nothing when stderr is a pipe or in CI, and still prints the result', async () => {
    // Prepare
    const piped = stream(false);
    const ci = stream(true);

    // Act
    const first = spinner({ stdout: stream(false), stderr: piped, env: {} }, 'Working');
    const second = spinner({ stdout: stream(false), stderr: ci, env: { CI: 'true' } }, 'Working');
    await new Promise((r) => setTimeout(r, 120));
    first.fail('Failed');
    second.succeed();

    // Assess
    assert.deepEqual(piped.chunks, ['✗ Failed\n']);
    assert.deepEqual(ci.chunks, []);
  });
});
