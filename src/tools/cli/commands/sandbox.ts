/**
 * `cognito-relay sandbox` (`npm start`): builds the Lambda bundle when it is missing or stale,
 * starts the sandbox, prints every endpoint it started, and stops everything on Ctrl-C (SIGINT),
 * SIGTERM, or when the process that started it (npm) goes away.
 *
 *   cognito-relay sandbox                 local mode: nothing leaves this machine
 *   cognito-relay sandbox --provider      your own provider settings from the environment
 *   cognito-relay sandbox --host 0.0.0.0  reachable from other machines, with an access token
 */
import { relative } from 'node:path';
import { maskRecipient } from '../../../runtime/observability/mask.ts';
import { REPO_ROOT, buildBundle, bundleStatus, DEFAULT_BUNDLE } from '../../local/bundle.ts';
import type { SandboxMode } from '../../local/local-stack.ts';
import type { InvocationRecord, Sandbox } from '../../sandbox/sandbox.ts';
import { colours, defineCliCommand, parseCommandLine, renderCommandUsage, UsageError, type CliIo } from '../terminal.ts';

export const describe = 'Start the local sandbox: a web UI to fire triggers and read what the relay delivers';

/** Kept here so `--help` does not load the sandbox (sandbox.ts imports the web server). */
const DEFAULT_PORT = 4580;
const DEFAULT_SMTP_PORT = 2525;

export const command = defineCliCommand({
  meta: { name: 'sandbox', description: describe },
  args: {
    port: { type: 'string', valueHint: 'n', description: `web UI port (default ${DEFAULT_PORT}; env SANDBOX_PORT; 0 = any free port)` },
    'smtp-port': { type: 'string', valueHint: 'n', description: `SMTP inbox port (default ${DEFAULT_SMTP_PORT}; env SANDBOX_SMTP_PORT; 0 = any free port)` },
    host: {
      type: 'string',
      valueHint: 'address',
      description: 'interface for the web UI (default 127.0.0.1); any other address\nrequires the access token printed at start on every request',
    },
    provider: {
      type: 'boolean',
      default: false,
      description: 'deliver through your own provider settings from the environment\n(EMAIL_PROVIDER, SENDGRID_API_KEY, SMS_PROVIDER…; env SANDBOX_MODE=provider);\ncodes are still encrypted with the local KMS stand-in',
    },
    build: { type: 'boolean', default: true, description: 'build the bundle first when it is stale', negativeDescription: 'run dist/lambda/index.mjs as it is, even when it is stale' },
    rebuild: { type: 'boolean', default: true, description: 'rebuild the bundle when a template changes', negativeDescription: 'do not rebuild the bundle when a template changes' },
  },
  usage: {
    details: `Starts the KMS stand-in, the Lambda bundle that ships (built first when it is missing or older
than the sources), an SMTP inbox, an SMS inbox and a web UI. From a checkout: npm start -- [options].`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`${name} must be a port number (0-65535), not "${value}"`);
  return n;
}

function describeInvocation(record: InvocationRecord, c: ReturnType<typeof colours>): string {
  const time = new Date(record.at).toLocaleTimeString();
  const to = record.recipient ? maskRecipient(record.channel, record.recipient) : '';
  const timing = `${record.timings.durationMs.toFixed(0)} ms${record.coldStart ? ` (cold start, init ${record.timings.initMs?.toFixed(0)} ms)` : ''}`;
  if (!record.ok) return `${c.dim(time)}  ${record.triggerSource}  ${c.red('✗')} ${record.error?.name}: ${record.error?.message}  ${c.dim(timing)}`;
  const missing = record.codeCheck && !record.codeCheck.ok ? `  ${c.red('✗ code missing from')} ${record.codeCheck.missingFrom.join(', ')}` : '';
  return `${c.dim(time)}  ${record.triggerSource}  ${c.green('✓')} ${record.delivered?.provider ?? ''} → ${to}  ${c.dim(timing)}${missing}`;
}

/**
 * Resolves when the process that started this one is gone. `npm start` runs the sandbox through
 * a shell; a SIGTERM to npm's PID does not always reach this process, which would then keep its
 * ports forever. The parent's exit re-parents this process, which is what this notices.
 */
function whenParentExits(): { promise: Promise<void>; stop(): void } {
  const parent = process.ppid;
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      if (process.ppid !== parent) resolve();
    }, 500);
    timer.unref();
  });
  return { promise, stop: () => clearInterval(timer) };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values } = commandLine;
  const env = io.env;
  const out = colours(io.stdout, env);
  const err = colours(io.stderr, env);

  let uiPort: number;
  let smtpPort: number;
  try {
    uiPort = port(values.port ?? env['SANDBOX_PORT'], '--port', DEFAULT_PORT);
    smtpPort = port(values['smtp-port'] ?? env['SANDBOX_SMTP_PORT'], '--smtp-port', DEFAULT_SMTP_PORT);
    if (values.host !== undefined && values.host.trim() === '') throw new UsageError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const mode: SandboxMode = values.provider || env['SANDBOX_MODE'] === 'provider' ? 'provider' : 'local';

  // The sandbox encrypts codes with the AWS SDK; on Node 20 the SDK's notice about its 2027 Node
  // support would land in the middle of the invocation lines (the function process gets the same).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const status = bundleStatus();
  if (status.stale && values.build) {
    io.stdout.write(`${out.dim('Building the Lambda bundle:')} ${status.reason}\n`);
    try {
      io.stdout.write(`${out.dim(await buildBundle())}\n`);
    } catch (error) {
      io.stderr.write(`${err.red('✗')} ${(error as Error).message}\n`);
      return 1;
    }
  } else if (!status.exists) {
    io.stderr.write(`${err.red('✗')} ${status.reason}; run npm run build, or start without --no-build\n`);
    return 1;
  }

  const { startSandbox } = await import('../../sandbox/sandbox.ts');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port: uiPort,
      smtpPort,
      host: values.host ?? '127.0.0.1',
      mode,
      userEnv: env,
      rebuild: values.rebuild ? () => buildBundle() : undefined,
      onInvocation: (record) => io.stdout.write(`${describeInvocation(record, out)}\n`),
      onRebuild: (result) =>
        io.stdout.write(
          result.ok
            ? `${out.dim('templates changed: bundle rebuilt, next call is a cold start')}\n`
            : `${out.red('✗')} bundle rebuild failed; the last good bundle keeps running:\n${result.message}\n`,
        ),
    });
  } catch (error) {
    io.stderr.write(`${err.red('✗')} ${(error as Error).message}\n`);
    return 1;
  }

  const info = sandbox.info();
  const route = (channel: 'email' | 'sms') => {
    const r = info.channels[channel];
    return r.local ? `sandbox inbox (${r.provider === 'smtp' ? 'SMTP' : 'Twilio API'})` : `${r.provider} ${out.dim('(your provider settings)')}`;
  };
  const label = (text: string) => out.bold(text.padEnd(14));
  const lines = [
    '',
    `  ${out.bold('cognito-relay sandbox')} ${mode === 'provider' ? out.yellow('provider mode') : out.dim('local mode')}`,
    '',
    `  ${label('Web UI')}${out.cyan(sandbox.url)}`,
    `  ${label('Templates')}${out.cyan(sandbox.galleryUrl)}`,
    ...(sandbox.token ? [`  ${label('Access token')}${sandbox.token} ${out.dim(`(listening on ${sandbox.host}: every request needs it; the links above carry it)`)}`] : []),
    `  ${label('SMTP inbox')}${sandbox.stack.smtp.url} ${out.dim('(point your app here too)')}`,
    `  ${label('SMS inbox')}${sandbox.stack.sms.url} ${out.dim('(Twilio Messages API)')}`,
    `  ${label('KMS stand-in')}${info.kmsUrl} ${out.dim('(cognito-relay encrypt --endpoint-url)')}`,
    `  ${label('Cognito')}${sandbox.stack.users.url} ${out.dim('(AdminGetUser stand-in)')}`,
    `  ${label('Function')}${relative(REPO_ROOT, DEFAULT_BUNDLE)} ${out.dim(`(${((info.bundle.sizeBytes ?? 0) / 1024).toFixed(0)} KiB, own Node process)`)}`,
    `  ${label('KMS key')}${info.keyArn} ${out.dim('(stand-in)')}`,
    `  ${label('Email')}→ ${route('email')}`,
    `  ${label('SMS')}→ ${route('sms')}`,
    ...info.notes.map((note) => `  ${out.yellow('!')} ${note}`),
    '',
    `  ${out.dim('Press Ctrl-C to stop.')}`,
    '',
  ];
  io.stdout.write(`${lines.join('\n')}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const parent = whenParentExits();
    const stop = (why: string) => {
      if (stopping) {
        // A second Ctrl-C: the user does not want to wait.
        process.exit(130);
      }
      stopping = true;
      parent.stop();
      io.stdout.write(`\n${out.dim(`${why}: stopping the sandbox…`)}\n`);
      sandbox
        .close()
        .then(() => resolve(0))
        .catch((error: unknown) => {
          io.stderr.write(`${(error as Error).message}\n`);
          resolve(1);
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGHUP', () => stop('SIGHUP'));
    void parent.promise.then(() => stop('the process that started the sandbox exited'));
  });
}
