/**
 * `npm start`: builds the Lambda bundle when it is missing or stale, starts the sandbox, prints
 * the URL, and stops everything on Ctrl-C (SIGINT) or SIGTERM.
 *
 *   npm start                       local mode: nothing leaves this machine
 *   npm start -- --provider         your own provider settings from the environment
 *   npm start -- --port 8080 --smtp-port 1025
 */
import { parseArgs } from 'node:util';
import { relative } from 'node:path';
import { maskRecipient } from '../../runtime/observability/mask.ts';
import { REPO_ROOT, buildBundle, bundleStatus, DEFAULT_BUNDLE } from '../local/bundle.ts';
import { DEFAULT_PORT, DEFAULT_SMTP_PORT, startSandbox, type InvocationRecord, type Sandbox } from './sandbox.ts';
import type { SandboxMode } from '../local/local-stack.ts';

const USAGE = `Usage: npm start -- [options]

Starts the local sandbox: the KMS stand-in, the Lambda bundle that ships (built first when it is
missing or older than the sources), an SMTP inbox, an SMS inbox and a web UI.

Options:
  --port <n>        web UI port (default ${DEFAULT_PORT}; env SANDBOX_PORT; 0 = any free port)
  --smtp-port <n>   SMTP inbox port (default ${DEFAULT_SMTP_PORT}; env SANDBOX_SMTP_PORT; 0 = any free port)
  --host <address>  interface for the web UI (default 127.0.0.1)
  --provider        deliver through your own provider settings from the environment
                    (EMAIL_PROVIDER, SENDGRID_API_KEY, SMS_PROVIDER…; env SANDBOX_MODE=provider);
                    codes are still encrypted with the local KMS stand-in
  --no-build        run dist/lambda/index.mjs as it is, even when it is stale
  --no-rebuild      do not rebuild the bundle when a template changes
  -h, --help        show this help
`;

// The sandbox encrypts codes with the AWS SDK; on Node 20 the SDK's notice about its 2027 Node
// support would land in the middle of the invocation lines (the function process gets the same).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError(`${name} must be a port number (0-65535), not "${value}"`);
  return n;
}

class UsageError extends Error {}

function describeInvocation(record: InvocationRecord): string {
  const time = new Date(record.at).toLocaleTimeString();
  const to = record.recipient ? maskRecipient(record.channel, record.recipient) : '';
  const timing = `${record.timings.durationMs.toFixed(0)} ms${record.coldStart ? ` (cold start, init ${record.timings.initMs?.toFixed(0)} ms)` : ''}`;
  if (!record.ok) return `${dim(time)}  ${record.triggerSource}  ${red('✗')} ${record.error?.name}: ${record.error?.message}  ${dim(timing)}`;
  return `${dim(time)}  ${record.triggerSource}  ${green('✓')} ${record.delivered?.provider ?? ''} → ${to}  ${dim(timing)}`;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'smtp-port': { type: 'string' },
        host: { type: 'string' },
        provider: { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        'no-rebuild': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let uiPort: number;
  let smtpPort: number;
  try {
    uiPort = port(values.port ?? process.env.SANDBOX_PORT, '--port', DEFAULT_PORT);
    smtpPort = port(values['smtp-port'] ?? process.env.SANDBOX_SMTP_PORT, '--smtp-port', DEFAULT_SMTP_PORT);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const mode: SandboxMode = values.provider || process.env.SANDBOX_MODE === 'provider' ? 'provider' : 'local';

  const status = bundleStatus();
  if (status.stale && !values['no-build']) {
    process.stdout.write(`${dim('Building the Lambda bundle:')} ${status.reason}\n`);
    try {
      process.stdout.write(`${dim(await buildBundle())}\n`);
    } catch (error) {
      process.stderr.write(`${red('✗')} ${(error as Error).message}\n`);
      return 1;
    }
  } else if (!status.exists) {
    process.stderr.write(`${red('✗')} ${status.reason}; run npm run build, or start without --no-build\n`);
    return 1;
  }

  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port: uiPort,
      smtpPort,
      host: values.host ?? '127.0.0.1',
      mode,
      rebuild: values['no-rebuild'] ? undefined : () => buildBundle(),
      onInvocation: (record) => process.stdout.write(`${describeInvocation(record)}\n`),
      onRebuild: (result) =>
        process.stdout.write(result.ok ? `${dim('templates changed: bundle rebuilt, next call is a cold start')}\n` : `${red('✗')} bundle rebuild failed:\n${result.message}\n`),
    });
  } catch (error) {
    process.stderr.write(`${red('✗')} ${(error as Error).message}\n`);
    return 1;
  }

  const info = sandbox.info();
  const route = (channel: 'email' | 'sms') => {
    const r = info.channels[channel];
    return r.local ? `sandbox inbox (${r.provider === 'smtp' ? 'SMTP' : 'Twilio API'})` : `${r.provider} ${dim('(your provider settings)')}`;
  };
  const lines = [
    '',
    `  ${bold('cognito-relay sandbox')} ${mode === 'provider' ? paint('33')('provider mode') : dim('local mode')}`,
    '',
    `  ${bold('Web UI')}       ${cyan(sandbox.url)}`,
    `  ${bold('Templates')}    ${cyan(`${sandbox.url}/gallery`)}`,
    `  ${bold('SMTP inbox')}   ${sandbox.stack.smtp.url}`,
    `  ${bold('Function')}     ${relative(REPO_ROOT, DEFAULT_BUNDLE)} ${dim(`(${((info.bundle.sizeBytes ?? 0) / 1024).toFixed(0)} KiB, own Node process)`)}`,
    `  ${bold('KMS key')}      ${info.keyArn} ${dim('(stand-in)')}`,
    `  ${bold('Email')}        → ${route('email')}`,
    `  ${bold('SMS')}          → ${route('sms')}`,
    ...info.notes.map((note) => `  ${paint('33')('!')} ${note}`),
    '',
    `  ${dim('Press Ctrl-C to stop.')}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second Ctrl-C: the user does not want to wait.
        process.exit(130);
      }
      stopping = true;
      process.stdout.write(`\n${dim(`${signal}: stopping the sandbox…`)}\n`);
      sandbox
        .close()
        .then(() => resolve(0))
        .catch((error: unknown) => {
          process.stderr.write(`${(error as Error).message}\n`);
          resolve(1);
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

const code = await main(process.argv.slice(2));
// The SMTP server's idle sockets or a stray timer must not keep a stopped sandbox alive.
process.exit(code);
