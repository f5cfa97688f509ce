/**
 * Starts the `cognito-local` emulator (npm package, MIT) in a child process on 127.0.0.1 with a
 * free port and a throw-away data directory, for tests that need real DescribeUserPool /
 * UpdateUserPool behaviour (its UpdateUserPool resets omitted settings like the real service).
 *
 * Started programmatically: its bin hard-codes `.cognito/` under the working directory and
 * `PORT`/`HOST` from the environment, so the child runs in a temp dir with PORT=0 and prints the
 * port it got.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CognitoLocal {
  /** e.g. http://127.0.0.1:40123 — use as the Cognito endpoint. */
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startCognitoLocal(): Promise<CognitoLocal> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cognito-local-'));
  const launcher = `
    const { createDefaultServer } = require(${JSON.stringify(require.resolve('cognito-local'))});
    const pino = require(${JSON.stringify(require.resolve('pino', { paths: [require.resolve('cognito-local')] }))});
    createDefaultServer(pino({ level: 'silent' }))
      .then((server) => server.start())
      .then((server) => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'))
      .catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', launcher], {
    cwd: dataDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await readPort(child);
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`cognito-local did not start within 20 s: ${err}`));
    }, 20_000);
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited (${code}) before listening: ${err}`));
    });
  });
}
