/**
 * The `cognito-relay` command: a citty command tree whose subcommands are imported only when they
 * run, so `--help` and a quick `encrypt` do not load the AWS SDK clients `attach` needs, nor the
 * sandbox's web server.
 *
 * Every command module exports `command` (a citty definition made with `defineCliCommand`) and
 * `run(args, io): Promise<number>`. Exit codes: 0 done, 1 failed, 2 wrong usage (the usage is
 * printed).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
import { readFileSync } from 'node:fs';
import { defineCommand, runCommand } from 'citty';
import { closest, type CliCommand, type CliIo, type CliRunData } from './terminal.ts';

interface CommandEntry {
  /** One line for the overview; the command's own `meta.description` (a test keeps them equal). */
  summary: string;
  load: () => Promise<CliCommand>;
}

/** In the order the overview lists them: try it locally first, then wire it to a pool. */
export const COMMANDS: Record<string, CommandEntry> = {
  sandbox: { summary: 'Start the local sandbox: a web UI to fire triggers and read what the relay delivers', load: () => import('./commands/sandbox.ts').then((m) => m.command as CliCommand) },
  simulate: { summary: 'Fire one Cognito trigger through the relay on this machine and print the delivered message', load: () => import('./commands/simulate.ts').then((m) => m.command as CliCommand) },
  preview: { summary: 'Render a template with sample values, to stdout or a file', load: () => import('./commands/preview.ts').then((m) => m.command as CliCommand) },
  'send-test': { summary: 'Send one real message through the provider configured in your environment', load: () => import('./commands/send-test.ts').then((m) => m.command as CliCommand) },
  encrypt: { summary: 'Encrypt a code exactly as Cognito does (for tests, replays and emulators)', load: () => import('./commands/encrypt.ts').then((m) => m.command as CliCommand) },
  attach: { summary: 'Wire the relay into an existing user pool, keeping every other setting and trigger', load: () => import('./commands/attach.ts').then((m) => m.command as CliCommand) },
  detach: { summary: "Remove the relay's custom senders from a user pool, keeping every other trigger", load: () => import('./commands/detach.ts').then((m) => m.command as CliCommand) },
  doctor: { summary: "Check a user pool's custom sender wiring end to end and explain what to fix", load: () => import('./commands/doctor.ts').then((m) => m.command as CliCommand) },
  replay: { summary: 'Re-drive failed events from the on-failure queue through the relay', load: () => import('./commands/replay.ts').then((m) => m.command as CliCommand) },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The root of the command tree; each subcommand is a lazy import (citty resolves it on use). */
export const cli = defineCommand({
  meta: { name: 'cognito-relay', description: "One Lambda for Cognito's CustomEmailSender and CustomSMSSender triggers" },
  subCommands: Object.fromEntries(Object.entries(COMMANDS).map(([name, entry]) => [name, entry.load])),
});

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`);
  return `Usage: cognito-relay <command> [options]

One Lambda for Cognito's CustomEmailSender and CustomSMSSender triggers.

Commands:
${lines.join('\n')}

Options:
  -h, --help     show this help (or a command's: cognito-relay <command> --help)
  -v, --version  print the version

The local sandbox with a web UI: cognito-relay sandbox (from a checkout: npm start)
`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    // `cognito-relay help simulate` reads naturally too.
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) return main([rest[0], '--help'], io);
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`cognito-relay ${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const close = closest(name, Object.keys(COMMANDS));
    const what = name.startsWith('-') ? 'option' : 'command';
    io.stderr.write(`Unknown ${what} "${name}".${close ? ` Did you mean "${close}"?` : ''}\n\n${usage()}`);
    return 2;
  }
  let command: CliCommand;
  try {
    command = await entry.load();
  } catch (error) {
    io.stderr.write(`The ${name} command could not be loaded: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const data: CliRunData = { io };
    const { result } = await runCommand(command, { rawArgs: rest, data });
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    // Commands report their own failures; anything reaching here is a bug worth its stack.
    io.stderr.write(`cognito-relay ${name} failed unexpectedly: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
