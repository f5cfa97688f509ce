/**
 * What the commands share with the dispatcher: the I/O they are given, command definitions
 * (citty's declarative `defineCommand`, plus usage text and repeatable options), strict
 * command-line parsing with "did you mean" for mistyped options, one usage/error style, colours,
 * a spinner for slow steps (only on a terminal), and `key=value` flag parsing.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defineCommand, type ArgDef, type CommandDef, type CommandMeta } from 'citty';
import type { CommandIo } from './aws-clients.ts';

export interface CliIo extends CommandIo {
  /** Where `encrypt` reads a code from when `--code` is not given. Default `process.stdin`. */
  stdin?: (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
}

/** A wrong flag or value: the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A citty argument, plus `multiple` for options given once per value (`--attr a=1 --attr b=2`). */
export type CliArgDef = ArgDef & { multiple?: boolean };
export type CliArgsDef = Record<string, CliArgDef>;

export interface CliUsage {
  /** What follows the command name on the usage line. Default: the positionals, then `[options]`. */
  synopsis?: string;
  /** Paragraph(s) under the one-line description. */
  details?: string;
  /** Text after the options: examples, permissions, exit codes. */
  footer?: string;
}

/** What the command sees when it runs: its I/O; citty hands it to `run` through `data`. */
export interface CliRunData {
  io: CliIo;
}

export type CliCommand<T extends CliArgsDef = CliArgsDef> = CommandDef<T> & {
  meta: CommandMeta & { name: string; description: string };
  args: T;
  usage: CliUsage;
};

/**
 * Declares a command: citty's `defineCommand` with its name, description and arguments, plus
 * the usage text around them. `run` receives the raw arguments and the I/O; it parses them with
 * `parseCommandLine(args, command, io)`.
 *
 * @example
 * export const command = defineCliCommand({
 *   meta: { name: 'preview', description: 'Render a template' },
 *   args: { trigger: { type: 'positional', required: false, description: 'SignUp, ForgotPassword…' }, sms: { type: 'boolean', default: false, description: 'the SMS' } },
 *   usage: { footer: 'Examples:\n  cognito-relay preview SignUp' },
 *   run: (args, io) => run(args, io),
 * });
 */
export function defineCliCommand<const T extends CliArgsDef>(definition: {
  meta: { name: string; description: string; hidden?: boolean };
  args: T;
  usage?: CliUsage;
  run: (args: string[], io: CliIo) => Promise<number>;
}): CliCommand<T> {
  const command = defineCommand<T>({
    meta: definition.meta,
    args: definition.args,
    run: ({ rawArgs, data }) => definition.run(rawArgs, (data as CliRunData).io),
  });
  return { ...command, meta: definition.meta, args: definition.args, usage: definition.usage ?? {} };
}

const aliasesOf = (def: CliArgDef): string | string[] => ('alias' in def ? def.alias : undefined) ?? [];

const HELP_LINE = ['-h, --help', 'show this help'] as const;

function valueHint(name: string, def: CliArgDef): string {
  if (def.type === 'boolean' || def.type === 'positional') return '';
  if (def.type === 'enum' && def.options?.length && !def.valueHint) return ` <${def.options.join('|')}>`;
  return ` <${def.valueHint ?? name}>`;
}

function table(rows: (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows
    .map(([left, right]) => {
      const [first = '', ...rest] = right.split('\n');
      return [`  ${left.padEnd(width)}${first}`, ...rest.map((line) => `  ${' '.repeat(width)}${line}`)].join('\n').trimEnd();
    })
    .join('\n');
}

/** The usage text of a command, built from its definition: every command prints the same layout. */
export function renderCommandUsage<T extends CliArgsDef>(command: CliCommand<T>, program = 'cognito-relay'): string {
  const entries: [string, CliArgDef][] = Object.entries(command.args);
  const positionals = entries.filter(([, def]) => def.type === 'positional');
  const options = entries.filter(([, def]) => def.type !== 'positional');
  // Positionals are declared `required: false` so the command can explain what is missing in its own
  // words; `[name]` marks the ones with a default.
  const positionalLabel = (name: string, def: CliArgDef) => (def.default !== undefined ? `[${name}]` : `<${name}>`);
  const synopsis = command.usage.synopsis ?? [...positionals.map(([name, def]) => positionalLabel(name, def)), '[options]'].join(' ');
  const sections = [`Usage: ${program} ${command.meta.name} ${synopsis}`.trimEnd(), `${command.meta.description}.${command.usage.details ? `\n${command.usage.details}` : ''}`];
  if (positionals.length > 0) {
    sections.push(`Arguments:\n${table(positionals.map(([name, def]) => [positionalLabel(name, def), def.description ?? ''] as const))}`);
  }
  const optionRows: (readonly [string, string])[] = [];
  for (const [name, def] of options) {
    const aliases = [aliasesOf(def)].flat().map((alias) => `-${alias}, `).join('');
    const negative = def.type === 'boolean' && def.default === true;
    const label = `${aliases}--${negative ? `no-${name}` : name}${valueHint(name, def)}`;
    const shownDefault = def.default !== undefined && def.type !== 'boolean' && !/\(default/.test(def.description ?? '') ? ` (default ${def.default})` : '';
    optionRows.push([label, `${(negative ? (def as { negativeDescription?: string }).negativeDescription : def.description) ?? ''}${shownDefault}`]);
  }
  optionRows.push(HELP_LINE);
  sections.push(`Options:\n${table(optionRows)}`);
  if (command.usage.footer) sections.push(command.usage.footer.trimEnd());
  return `${sections.join('\n\n')}\n`;
}

/**
 * The closest candidate to a mistyped word (Damerau–Levenshtein distance), or undefined when
 * none is close enough to be a likely typo.
 *
 * @example closest('simualte', ['simulate', 'preview']) // 'simulate'
 * @example closest('prev', ['simulate', 'preview']) // 'preview'
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const tolerance = Math.max(1, Math.floor(Math.max(word.length, best.candidate.length) / 3));
  if (best.distance <= tolerance) return best.candidate;
  // A beginning that names one candidate only: `sim` → `simulate`, `--smtp` → `--smtp-port`.
  const started = word.length >= 3 ? candidates.filter((candidate) => candidate.toLowerCase().startsWith(word.toLowerCase())) : [];
  return started.length === 1 ? started[0] : undefined;
}

function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}

type OptionValue<D> = D extends { type: 'boolean' }
  ? boolean
  : D extends { multiple: true }
    ? string[] | undefined
    : D extends { default: string }
      ? string
      : string | undefined;

/** The parsed options of a command, typed from its definition (kebab-case names as declared). */
export type CommandValues<T extends CliArgsDef> = {
  -readonly [K in keyof T as T[K] extends { type: 'positional' } ? never : K]: OptionValue<T[K]>;
};

export interface ParsedCommandLine<T extends CliArgsDef> {
  values: CommandValues<T>;
  /** Everything that is not an option, in order (the command checks how many it takes). */
  positionals: string[];
}

/**
 * Parses `args` strictly against the command's definition (citty's own parser accepts unknown
 * flags silently and keeps only the last of a repeated option, so node:util's strict parser runs
 * over the same definition). Returns the exit code instead when the command is done: 2 after
 * printing the error and the usage on stderr, 0 after printing the usage on stdout for `--help`.
 *
 * @example
 * const parsed = parseCommandLine(args, command, io);
 * if (typeof parsed === 'number') return parsed;
 * const { values, positionals } = parsed; // values.sms: boolean, values.attr: string[] | undefined
 */
export function parseCommandLine<T extends CliArgsDef>(args: string[], command: CliCommand<T>, io: CommandIo): ParsedCommandLine<T> | number {
  const usage = renderCommandUsage(command);
  if (args.includes('--help') || args.includes('-h')) {
    const end = args.indexOf('--');
    const at = Math.max(args.indexOf('--help'), args.indexOf('-h'));
    if (end === -1 || at < end) {
      io.stdout.write(usage);
      return 0;
    }
  }
  try {
    return parseStrict(args, command.args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${usage}`);
    return 2;
  }
}

function parseStrict<T extends CliArgsDef>(args: string[], definition: T): ParsedCommandLine<T> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  const negated = new Map<string, string>();
  for (const [name, def] of Object.entries(definition)) {
    if (def.type === 'positional') continue;
    const short = [aliasesOf(def)].flat().find((alias) => alias.length === 1);
    options[name] = {
      type: def.type === 'boolean' ? 'boolean' : 'string',
      ...(def.multiple ? { multiple: true } : {}),
      ...(short ? { short } : {}),
    };
    // `--no-build` turns off an option that is on by default, as citty documents.
    if (def.type === 'boolean' && def.default === true) {
      options[`no-${name}`] = { type: 'boolean' };
      negated.set(`no-${name}`, name);
    }
  }
  const known = Object.keys(options);
  const end = args.indexOf('--');
  for (const arg of end === -1 ? args : args.slice(0, end)) {
    if (!arg.startsWith('--') || arg === '--') continue;
    const name = arg.slice(2).split('=')[0]!;
    if (!(name in options)) {
      const suggestion = closest(name, known);
      throw new UsageError(`Unknown option --${name}.${suggestion ? ` Did you mean --${suggestion}?` : ''}`);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, strict: true, allowPositionals: true, options });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(-\w, )?(--[\w-]+)/.exec(message)?.[2];
      throw new UsageError(flag ? `${flag} needs a value` : message);
    }
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`Unknown option ${/'([^']+)'/.exec(message)?.[1] ?? ''}`.trim());
    throw new UsageError(message);
  }
  const values: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(definition)) {
    if (def.type === 'positional') continue;
    const given = (parsed.values as Record<string, unknown>)[name];
    values[name] = given ?? def.default;
    if (def.type === 'boolean' && values[name] === undefined) values[name] = false;
  }
  for (const [flag, name] of negated) if ((parsed.values as Record<string, unknown>)[flag]) values[name] = false;
  for (const [name, def] of Object.entries(definition)) {
    if (def.type === 'enum' && values[name] !== undefined && def.options && !def.options.includes(values[name] as string)) {
      throw new UsageError(`--${name} must be one of ${def.options.join(', ')}, not "${String(values[name])}"`);
    }
  }
  return { values: values as CommandValues<T>, positionals: parsed.positionals };
}

const colourEnabled = (stream: unknown, env: CommandIo['env']) => Boolean((stream as { isTTY?: boolean }).isTTY) && !env['NO_COLOR'] && env['TERM'] !== 'dumb';

/**
 * Colours for one output stream, off when it is not a terminal or NO_COLOR is set: every command
 * and the sandbox print the same way.
 *
 * @example
 * const c = colours(io.stdout, io.env);
 * io.stdout.write(`${c.green('✓')} done\n`);
 */
export function colours(stream: unknown, env: CommandIo['env']) {
  const on = colourEnabled(stream, env);
  const paint = (code: string) => (text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { bold: paint('1'), dim: paint('2'), red: paint('31'), green: paint('32'), yellow: paint('33'), cyan: paint('36') };
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
