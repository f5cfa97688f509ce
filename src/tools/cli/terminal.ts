/**
 * What the commands share with the dispatcher: the I/O they are given, command-line parsing with
 * `-h/--help`, a spinner for slow steps (only on a terminal), and `key=value` flag parsing.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandIo } from './aws-clients.ts';

export interface CliIo extends CommandIo {
  /** Where `encrypt` reads a code from when `--code` is not given. Default `process.stdin`. */
  stdin?: (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
}

/** A wrong flag or value: the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Every command takes `-h/--help`; its usage text lists it. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

type CommandConfig<Options extends CommandOptions, Positionals extends boolean> = {
  args: string[];
  strict: true;
  allowPositionals: Positionals;
  options: Options & typeof HELP_OPTION;
};

/** What `parseArgs` returns for that config (node:util does not export its `ParsedResults`). */
export type ParsedCommandLine<Options extends CommandOptions, Positionals extends boolean = false> = ReturnType<
  typeof parseArgs<CommandConfig<Options, Positionals>>
>;

export interface CommandLineSettings<Positionals extends boolean> {
  /** Whether the command takes arguments besides its options. Default false. */
  allowPositionals?: Positionals;
  /** How a parse error is printed above the usage. Default: its message. */
  describeError?: (error: unknown) => string;
}

/**
 * Parses `args` strictly against `options` plus `-h/--help`. Returns the exit code instead when the
 * command is done: 2 after printing a parse error and the usage on stderr, 0 after printing the
 * usage on stdout for `--help`.
 *
 * @example
 * const parsed = parseCommandLine(args, { sms: { type: 'boolean', default: false } }, USAGE, io, { allowPositionals: true });
 * if (typeof parsed === 'number') return parsed;
 * const { values, positionals } = parsed; // values.sms: boolean, positionals: string[]
 */
export function parseCommandLine<const Options extends CommandOptions, const Positionals extends boolean = false>(
  args: string[],
  options: Options,
  usage: string,
  io: CommandIo,
  settings: CommandLineSettings<Positionals> = {},
): ParsedCommandLine<Options, Positionals> | number {
  const { allowPositionals = false, describeError = (error: unknown) => (error as Error).message } = settings;
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals, options: { ...options, ...HELP_OPTION } }) as ParsedCommandLine<Options, Positionals>;
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(usage);
    return 0;
  }
  return parsed;
}

export interface Spinner {
  /** Changes the text of the running spinner. */
  update(text: string): void;
  /** Stops and clears the line; prints `✓ text` / `✗ text` when given. */
  succeed(text?: string): void;
  fail(text?: string): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function isTty(stream: unknown): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY);
}

/**
 * A spinner on stderr while `text` is in progress. Only drawn when stderr is a terminal, so
 * piped output and CI logs stay clean; the final ✓/✗ line is printed either way when given.
 *
 * @example
 * const spin = spinner(io, 'Encrypting the code');
 * await slowThing();
 * spin.succeed('Encrypted');
 */
export function spinner(io: CommandIo, text: string): Spinner {
  const tty = isTty(io.stderr) && !io.env['CI'];
  let current = text;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => io.stderr.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${current}…`);
  if (tty) {
    draw();
    timer = setInterval(draw, 80);
    timer.unref();
  }
  const stop = (mark: string, final: string | undefined) => {
    if (timer) clearInterval(timer);
    if (tty) io.stderr.write('\r\u001b[2K');
    if (final) io.stderr.write(`${mark} ${final}\n`);
  };
  return {
    update(next) {
      current = next;
    },
    succeed: (final) => stop('✓', final),
    fail: (final) => stop('✗', final),
  };
}

/**
 * `['locale=fr', 'plan=pro']` → `{ locale: 'fr', plan: 'pro' }`. Values may contain `=`.
 *
 * @example keyValues(['custom:plan=pro'], '--attr') // { 'custom:plan': 'pro' }
 */
export function keyValues(pairs: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} takes key=value, not "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** Reads a whole stream as text (a code piped into `encrypt`). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The user and request flags `simulate` and `send-test` share (--name, --locale, --attr, --meta,
 * --code), as the attributes, client metadata and code of a scenario. `--attr` comes last, so it
 * can override any attribute.
 */
export function scenarioFlags(values: { name?: string; locale?: string; attr?: string[]; meta?: string[]; code?: string }, attributes: Record<string, string>) {
  return {
    attributes: {
      ...attributes,
      given_name: values.name ?? 'Ada',
      ...(values.locale ? { locale: values.locale } : {}),
      ...keyValues(values.attr, '--attr'),
    },
    clientMetadata: keyValues(values.meta, '--meta'),
    code: values.code,
  };
}
