/**
 * What the sandbox-side commands (simulate, preview, send-test, encrypt) share with the
 * dispatcher: the I/O they are given, a spinner for slow steps (only on a terminal), and
 * `key=value` flag parsing.
 */
import type { CommandIo } from './aws-clients.ts';

export interface CliIo extends CommandIo {
  /** Where `encrypt` reads a code from when `--code` is not given. Default `process.stdin`. */
  stdin?: (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
}

/** A wrong flag or value: the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
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
