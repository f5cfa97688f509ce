/**
 * The `cognito-relay` command: finds the subcommand and hands it the arguments. Each command
 * module is imported only when it runs, so `--help` and a quick `encrypt` do not load the AWS
 * SDK clients `attach` needs.
 *
 * Every command exports `run(args, io): Promise<number>` and `describe`. Exit codes: 0 done,
 * 1 failed, 2 wrong usage (the usage is printed).
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 */
import { readFileSync } from 'node:fs';
import type { CliIo } from './terminal.ts';

export interface CommandModule {
  run(args: string[], io: CliIo): Promise<number>;
  describe: string;
}

interface CommandEntry {
  /** One line for the overview; the module's own `describe` (a test keeps them equal). */
  summary: string;
  load: () => Promise<CommandModule>;
}

/** In the order the overview lists them: try it locally first, then wire it to a pool. */
export const COMMANDS: Record<string, CommandEntry> = {
  simulate: { summary: 'Fire one Cognito trigger through the relay on this machine and print the delivered message', load: () => import('./commands/simulate.ts') },
  preview: { summary: 'Render a template with sample values, to stdout or a file', load: () => import('./commands/preview.ts') },
  'send-test': { summary: 'Send one real message through the provider configured in your environment', load: () => import('./commands/send-test.ts') },
  encrypt: { summary: 'Encrypt a code exactly as Cognito does (for tests, replays and emulators)', load: () => import('./commands/encrypt.ts') },
  attach: { summary: 'Wire the relay into an existing user pool, keeping every other setting and trigger', load: () => import('./commands/attach.ts') },
  detach: { summary: "Remove the relay's custom senders from a user pool, keeping every other trigger", load: () => import('./commands/detach.ts') },
  doctor: { summary: "Check a user pool's custom sender wiring end to end and explain what to fix", load: () => import('./commands/doctor.ts') },
  replay: { summary: 'Re-drive failed events from the on-failure queue through the relay', load: () => import('./commands/replay.ts') },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

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

The local sandbox with a web UI: npm start
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
    const close = Object.keys(COMMANDS).find((candidate) => candidate.startsWith(name.slice(0, 3)));
    io.stderr.write(`Unknown command "${name}".${close ? ` Did you mean "${close}"?` : ''}\n\n${usage()}`);
    return 2;
  }
  let command: CommandModule;
  try {
    command = await entry.load();
  } catch (error) {
    io.stderr.write(`The ${name} command could not be loaded: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // Commands report their own failures; anything reaching here is a bug worth its stack.
    io.stderr.write(`cognito-relay ${name} failed unexpectedly: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
