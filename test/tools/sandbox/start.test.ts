/**
 * `npm start` as a user runs it: a child process that prints the URL, serves the UI, and stops
 * cleanly on Ctrl-C; clear messages for ports already taken and wrong flags; and the check that
 * decides when the bundle must be rebuilt first.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStatus } from '../../../src/tools/local/bundle.ts';
import { runCli, TEST_AWS_ENV } from './run-cli.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ENV = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  NODE_NO_WARNINGS: '1',
};

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startSandboxProcess(args: string[], env: Record<string, string | undefined> = {}): Started {
  // --no-build: other tests use dist/ as it is; rebuilding it here would race them.
  const child = spawn(process.execPath, ['bin/cognito-relay.mjs', 'sandbox', '--no-build', '--no-rebuild', ...args], {
    cwd: root,
    env: { ...ENV, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every process below `root` (pid → command line), from ps. */
function descendants(root: number): Map<number, string> {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3]! }));
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const children = table.filter((row) => frontier.includes(row.ppid));
    for (const child of children) found.set(child.pid, child.args);
    frontier = children.map((child) => child.pid);
  }
  return found;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

function occupyPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('npm start', { timeout: 120_000 }, () => {
  let busy: Server;
  let busyPort: number;

  before(async () => {
    busy = await occupyPort();
    busyPort = (busy.address() as AddressInfo).port;
  });

  after(() => {
    busy.close();
  });

  it('prints the URL, serves the inbox, and stops everything on Ctrl-C', async () => {
    // Act
    const sandbox = startSandboxProcess(['--port', '0', '--smtp-port', '0']);
    const url = await waitFor(() => /Web UI\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(sandbox.stdout())?.[1], `the URL in:\n${sandbox.stdout()}${sandbox.stderr()}`);
    const smtpPort = Number(/SMTP inbox\s+smtp:\/\/127\.0\.0\.1:(\d+)/.exec(sandbox.stdout())?.[1]);
    const page = await fetch(url);
    const html = await page.text();
    // The printed KMS stand-in and key are what `encrypt --endpoint-url` needs.
    const kmsUrl = /KMS stand-in\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(sandbox.stdout())?.[1];
    const keyArn = /KMS key\s+(arn:aws:kms:\S+)/.exec(sandbox.stdout())?.[1];
    const encrypted = await runCli(['encrypt', '--endpoint-url', kmsUrl ?? '', '--key-arn', keyArn ?? '', '--pool-id', 'eu-west-1_AbCdEf123', '--code', '123456'], { env: TEST_AWS_ENV });
    sandbox.child.kill('SIGINT');
    const code = await sandbox.exit;

    // Assess
    assert.equal(page.status, 200);
    assert.match(html, /Fire a trigger/);
    for (const endpoint of ['SMS inbox', 'KMS stand-in', 'Cognito']) assert.match(sandbox.stdout(), new RegExp(`${endpoint}\\s+http://127\\.0\\.0\\.1:\\d+`), `${endpoint} in the banner`);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(encrypted.stdout.trim(), /^[A-Za-z0-9+/]+=*$/, 'a base64 Encryption SDK message');
    assert.match(sandbox.stdout(), /Templates\s+http:\/\/127\.0\.0\.1:\d+\/gallery/);
    assert.equal(code, 0, sandbox.stderr());
    assert.match(sandbox.stdout(), /stopping the sandbox/);
    // Both ports are free again.
    await assert.rejects(fetch(url));
    const reuse = createServer();
    await new Promise<void>((resolve, reject) => reuse.once('error', reject).listen(smtpPort, '127.0.0.1', () => resolve()));
    reuse.close();
  });

  it('stops on SIGTERM too, with SANDBOX_PORT choosing the web port', async () => {
    // Prepare: a port that is free now
    const probe = await occupyPort();
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    // Act
    const sandbox = startSandboxProcess(['--smtp-port', '0'], { SANDBOX_PORT: String(port) });
    await waitFor(() => (sandbox.stdout().includes(`http://127.0.0.1:${port}`) ? true : undefined), `port ${port} in:\n${sandbox.stdout()}${sandbox.stderr()}`);
    sandbox.child.kill('SIGTERM');

    // Assess
    assert.equal(await sandbox.exit, 0, sandbox.stderr());
  });

  it('stops the whole sandbox (function process included) and frees every port when npm start gets SIGTERM', async () => {
    // Prepare: `npm start` as a user runs it; one invocation, so the function process exists
    const npm = spawn('npm', ['start', '--', '--no-build', '--no-rebuild', '--port', '0', '--smtp-port', '0'], {
      cwd: root,
      env: { ...ENV } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    npm.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    npm.stderr!.resume();
    const url = await waitFor(() => /Web UI\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1], `the URL in:\n${stdout}`);
    const ports = [...new Set([...stdout.matchAll(/(?:http|smtp):\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1])))];
    const fired = await fetch(`${url}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ triggerSource: 'CustomEmailSender_SignUp' }) });
    assert.equal(fired.status, 200);
    const processes = descendants(npm.pid!);

    // Act
    process.kill(npm.pid!, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while ([...processes.keys()].some(isRunning) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    // Assess
    assert.ok([...processes.values()].some((args) => args.includes('lambda-runner')), `the function process was running:\n${[...processes.values()].join('\n')}`);
    assert.equal(ports.length, 5, `web UI, SMTP, SMS, KMS and Cognito endpoints are printed:\n${stdout}`);
    const left = [...processes].filter(([pid]) => isRunning(pid));
    assert.deepEqual(left, [], 'no process of the sandbox is left');
    for (const port of ports) assert.ok(await portIsFree(port), `port ${port} is free again`);
  });

  it('prints an access token and a link carrying it when asked to listen on every interface', async () => {
    // Act
    const sandbox = startSandboxProcess(['--host', '0.0.0.0', '--port', '0', '--smtp-port', '0']);
    const link = await waitFor(() => /Web UI\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(sandbox.stdout())?.[1], `the link in:\n${sandbox.stdout()}${sandbox.stderr()}`);
    const token = /Access token\s+([\w-]+)/.exec(sandbox.stdout())?.[1];
    const origin = new URL(link).origin;
    const without = await fetch(`${origin}/api/state`);
    const withToken = await fetch(`${origin}/api/state`, { headers: { authorization: `Bearer ${token}` } });
    sandbox.child.kill('SIGINT');
    await sandbox.exit;

    // Assess
    assert.ok(token && link.endsWith(`token=${token}`), sandbox.stdout());
    assert.equal(without.status, 401);
    assert.equal(withToken.status, 200);
  });

  it('names the port and the flag when the web port is taken', async () => {
    // Act
    const sandbox = startSandboxProcess(['--port', String(busyPort), '--smtp-port', '0']);
    const code = await sandbox.exit;

    // Assess
    assert.equal(code, 1);
    assert.match(sandbox.stderr(), new RegExp(`port ${busyPort} is already in use`));
    assert.match(sandbox.stderr(), /--port/);
  });

  it('names the port and the flag when the SMTP port is taken', async () => {
    // Act
    const sandbox = startSandboxProcess(['--port', '0', '--smtp-port', String(busyPort)]);
    const code = await sandbox.exit;

    // Assess
    assert.equal(code, 1);
    assert.match(sandbox.stderr(), new RegExp(`SMTP port ${busyPort} is already in use`));
    assert.match(sandbox.stderr(), /--smtp-port/);
  });

  it('refuses a wrong flag or port with the usage and exit code 2', async () => {
    // Act
    const unknown = startSandboxProcess(['--prot', '8080']);
    const notANumber = startSandboxProcess(['--port', 'eighty']);

    // Assess
    assert.equal(await unknown.exit, 2);
    assert.match(unknown.stderr(), /Unknown option --prot\. Did you mean --port\?/);
    assert.match(unknown.stderr(), /Usage: cognito-relay sandbox/);
    assert.equal(await notANumber.exit, 2);
    assert.match(notANumber.stderr(), /--port must be a port number/);
  });
});

describe('bundle freshness', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-status-'));
    mkdirSync(join(dir, 'dist/lambda'), { recursive: true });
    mkdirSync(join(dir, 'src'), { recursive: true });
    mkdirSync(join(dir, 'templates/en/SignUp'), { recursive: true });
    writeFileSync(join(dir, 'src/relay.ts'), 'export {}');
    writeFileSync(join(dir, 'templates/en/SignUp/email.subject'), 'Hi');
    writeFileSync(join(dir, 'dist/meta.json'), JSON.stringify({ inputs: { 'src/relay.ts': {} } }));
    writeFileSync(join(dir, 'dist/lambda/index.mjs'), 'export const handler = () => {};');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const age = (path: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(dir, path), when, when);
  };

  it('is fresh when built after every input, and stale when a source or a template changed since', () => {
    // Prepare
    age('src/relay.ts', 60);
    age('templates/en/SignUp/email.subject', 60);
    age('dist/lambda/index.mjs', 30);

    // Act
    const fresh = bundleStatus({ root: dir });
    age('src/relay.ts', 10);
    const sourceChanged = bundleStatus({ root: dir });
    age('src/relay.ts', 60);
    age('templates/en/SignUp/email.subject', 5);
    const templateChanged = bundleStatus({ root: dir });

    // Assess
    assert.equal(fresh.stale, false, fresh.reason);
    assert.equal(sourceChanged.stale, true);
    assert.match(sourceChanged.reason ?? '', /src\/relay\.ts changed/);
    assert.equal(templateChanged.stale, true);
    assert.match(templateChanged.reason ?? '', /email\.subject changed/);
  });

  it('is stale when the bundle or its build record is missing', () => {
    // Act
    const missing = bundleStatus({ root: dir, bundle: join(dir, 'dist/lambda/nope.mjs') });

    // Assess
    assert.equal(missing.exists, false);
    assert.equal(missing.stale, true);
  });
});
