/**
 * Masking and scrubbing for everything that leaves the relay: log lines, the thrown error (which
 * becomes Lambda's on-failure / dead-letter record), metric dimensions.
 *
 * - `maskEmail` / `maskPhone`: keep just enough to recognise a recipient while debugging
 *   ("a***@example.com", "+44*******123"), never the whole value.
 * - `redactContacts`: masks every address and number inside a free text (provider errors quote
 *   the recipient).
 * - `createScrubber`: also removes the decrypted code, the temporary password and every configured
 *   secret, in the forms a provider may echo them (raw, HTML-escaped, URL- and form-encoded,
 *   JSON-escaped), from any text, value or error.
 *
 * Every text is cut to a fixed size FIRST and scanned in one pass per pattern, so the cost of a
 * 1 MB hostile error body is the cost of its first few kilobytes. Why by hand: the regular
 * expressions this replaces backtracked (120 kB of base64-like text took 13–15 s), and no small
 * library scrubs a fixed set of strings in all these encodings.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** `ada.lovelace@example.com` → `a***@example.com`. Non-emails are masked whole. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** `+447700900123` → `+44*******123`: country code and last three digits only. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length < 7) return '***';
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 6)}${digits.slice(-3)}`;
}

export function maskRecipient(channel: 'email' | 'sms', to: string): string {
  return channel === 'email' ? maskEmail(to) : maskPhone(to);
}

/**
 * Longest text kept of any one string that leaves the relay. Provider excerpts are 500
 * characters; this leaves room for the message around them and a stack trace.
 */
export const SCRUB_LIMIT = 8_192;
const ELLIPSIS = '…';

/** Cuts `text` to `limit` characters, marking the cut. */
function cut(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}${ELLIPSIS}` : text;
}

// An address starts only where a token starts (the lookbehind), so a long run of address-like
// characters is tried from one position, not from each of its characters (which made the old
// pattern quadratic).
const EMAIL_IN_TEXT = /(?<![^\s@<>()[\]"',;:])[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[A-Za-z]{2,}/g;

// With or without the `+`: providers often quote numbers bare (Vonage's `to` is `447700900123`).
// Bounded repetitions only, so this cannot backtrack beyond 15 characters per position.
const PHONE_IN_TEXT = /\+\d{7,15}\b|\b\d{8,15}\b/g;

function maskContactsIn(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email)).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}

/**
 * Masks every address and phone number inside a free text (provider error messages quote the
 * recipient; those texts reach logs and dead-letter queues). The text is cut to `SCRUB_LIMIT`
 * first.
 *
 * @example redactContacts('rejected: ada@example.com, +14155550123') // → 'rejected: a***@example.com, +14*******123'
 */
export function redactContacts(text: string): string {
  return maskContactsIn(cut(text, SCRUB_LIMIT));
}

// ---------------------------------------------------------------------------------------------
// Scrubbing sensitive values

export type SensitiveKind = 'code' | 'password' | 'secret' | 'email' | 'phone';

const NAMED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const hex = (c: string) => `&#x${c.charCodeAt(0).toString(16)};`;
// Mustache's `{{…}}` (named, hex for the rest), minimal escapers (& < > only), numeric ones.
const escapeWith = (pattern: RegExp, entity: (c: string) => string) => (value: string) => value.replace(pattern, entity);
const HTML_ESCAPES = [
  escapeWith(/[&<>"'/`=]/g, (c) => NAMED[c] ?? (c === "'" ? '&#39;' : hex(c))),
  escapeWith(/[&<>"']/g, (c) => NAMED[c] ?? hex(c)),
  escapeWith(/[&<>]/g, (c) => NAMED[c] ?? c),
  escapeWith(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
];
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);
// Some serialisers (Go, .NET, PHP) also escape HTML-significant characters in JSON strings.
const jsonHtmlSafe = (value: string) =>
  jsonInner(value).replace(/[<>&']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const safely = (encode: (value: string) => string) => (value: string) => {
  try {
    return encode(value);
  } catch {
    // A lone surrogate cannot be percent-encoded; then it cannot appear encoded either.
    return value;
  }
};

const ONCE = [safely(encodeURIComponent), safely(encodeURI), safely(formEncode)];
const TEXT_ENCODINGS = [(v: string) => v, ...HTML_ESCAPES, jsonInner, jsonHtmlSafe];

/**
 * The forms a value takes when a provider echoes a request back: raw, URL- or form-encoded,
 * each possibly inside HTML or a JSON string. Compared case-insensitively (`%2b` = `%2B`).
 */
export function encodedForms(value: string): string[] {
  // Every encoding above leaves these characters as they are: one form (codes are digits).
  if (UNCHANGED_BY_ENCODINGS.test(value)) return [value.toLowerCase()];
  return allEncodedForms(value);
}

const UNCHANGED_BY_ENCODINGS = /^[A-Za-z0-9._-]*$/;

/** `encodedForms` without its shortcut: every encoding applied (exported for its test). */
export function allEncodedForms(value: string): string[] {
  // As sent: raw, encoded once, or twice (an error page that URL-encodes the form body it
  // received). Each distinct form is encoded further once: most encodings leave most values as
  // they are, so this is a few forms, not 13.
  const once = new Set(ONCE.map((encode) => encode(value)));
  const sent = new Set([value, ...once]);
  for (const inner of once) for (const encode of ONCE) sent.add(encode(inner));
  const forms = new Set<string>();
  for (const transported of sent) {
    for (const text of TEXT_ENCODINGS) forms.add(text(transported).toLowerCase());
  }
  return [...forms];
}

/**
 * Values shorter than this are not scrubbed: they cannot be secret (a code is 6+ characters, a
 * temporary password too), and replacing every occurrence of a 1–3 character string would erase
 * the message that explains the failure.
 */
const MIN_SENSITIVE_LENGTH = 4;
/** A cut that ends with this much of a sensitive form is treated as the form itself. */
const MIN_PARTIAL_LENGTH = 2;

interface Pattern {
  /** Lower-case form to look for. */
  form: string;
  replacement: string;
  /** KMP failure function of `form`, to find a cut-off prefix of it in linear time. */
  fail: Int32Array;
}

function failureFunction(form: string): Int32Array {
  const fail = new Int32Array(form.length);
  for (let i = 1, k = 0; i < form.length; i += 1) {
    while (k > 0 && form[i] !== form[k]) k = fail[k - 1] ?? 0;
    if (form[i] === form[k]) k += 1;
    fail[i] = k;
  }
  return fail;
}

/** Length of the longest proper prefix of `pattern.form` that `text` ends with at `end`. */
function danglingPrefix(text: string, end: number, pattern: Pattern): number {
  const { form, fail } = pattern;
  let k = 0;
  for (let i = Math.max(0, end - form.length + 1); i < end; i += 1) {
    while (k > 0 && (k === form.length || text[i] !== form[k])) k = fail[k - 1] ?? 0;
    if (text[i] === form[k]) k += 1;
  }
  return k < form.length ? k : 0;
}

/** ASCII-only lower-casing: keeps every index where it was (`toLowerCase` may not). */
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (s) => s.toLowerCase());

function replacementFor(kind: SensitiveKind, value: string): string {
  if (kind === 'email') return maskEmail(value);
  if (kind === 'phone') return maskPhone(value);
  return `[${kind}]`;
}

/**
 * Replaces every pattern found in `text`, considering only `text.slice(0, limit + longest)`
 * and keeping what starts before `limit`: a form that straddles the cut is still found whole.
 */
function scrubPatterns(text: string, patterns: readonly Pattern[], longest: number, limit: number): string {
  const window = text.length > limit + longest ? text.slice(0, limit + longest) : text;
  const truncated = text.length > limit;
  const lower = asciiLower(window);
  const hits: { start: number; end: number; replacement: string }[] = [];
  for (const { form, replacement } of patterns) {
    for (let i = lower.indexOf(form); i >= 0 && i < limit; i = lower.indexOf(form, i + form.length)) {
      hits.push({ start: i, end: i + form.length, replacement });
    }
  }
  // A text someone else already cut ("… code is 3100…") may end inside a form: drop that tail.
  // (Our own cut needs no such care: the window reaches past it by the longest form.)
  const ends: number[] = [];
  for (let i = window.indexOf(ELLIPSIS), n = 0; i >= 0 && i < limit && n < 16; i = window.indexOf(ELLIPSIS, i + 1), n += 1) ends.push(i);
  for (const end of ends) {
    for (const pattern of patterns) {
      const length = danglingPrefix(lower, end, pattern);
      if (length >= MIN_PARTIAL_LENGTH) hits.push({ start: end - length, end, replacement: pattern.replacement });
    }
  }
  if (hits.length === 0) return truncated ? `${window.slice(0, limit)}${ELLIPSIS}` : window;

  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let copied = 0;
  for (const hit of hits) {
    if (hit.end <= copied) continue;
    if (hit.start >= copied) out += window.slice(copied, hit.start) + hit.replacement;
    copied = hit.end;
  }
  // Positions past the cut are dropped; a hit that began before it was kept whole.
  if (copied < limit) out += window.slice(copied, limit);
  return truncated ? `${out}${ELLIPSIS}` : out;
}

export interface Scrubber {
  /** Cuts `text` to `SCRUB_LIMIT`, then removes every sensitive value and masks contacts. */
  scrub(text: string): string;
  /** A copy of `value` with every string scrubbed (log attributes); errors are scrubbed in place. */
  scrubValue(value: unknown): unknown;
  /** Scrubs an error's message, stack and string fields, and its causes, in place; returns it. */
  scrubError<E>(error: E): E;
  /** Runs `fn` in its own scope: values protected inside it are forgotten afterwards. */
  run<T>(fn: () => T): T;
  /** Adds a value (and its encoded forms) to scrub for the rest of the current scope. */
  protect(value: string | undefined, kind: SensitiveKind): void;
}

interface PatternSet {
  patterns: Pattern[];
  longest: number;
}

function addPatterns(set: PatternSet, value: string, kind: SensitiveKind): void {
  if (value.length < MIN_SENSITIVE_LENGTH) return;
  const replacement = replacementFor(kind, value);
  const known = new Set(set.patterns.map((p) => p.form));
  // Providers quote numbers without their `+` too (Vonage's `to` is `447700900123`).
  const values = kind === 'phone' ? [value, value.replace(/^\+/, '')] : [value];
  for (const form of values.flatMap(encodedForms)) {
    if (known.has(form)) continue;
    set.patterns.push({ form, replacement, fail: failureFunction(form) });
    set.longest = Math.max(set.longest, form.length);
  }
  // Longest first, so a form that contains another is replaced whole.
  set.patterns.sort((a, b) => b.form.length - a.form.length);
}

/**
 * @example
 * const scrubber = createScrubber({ secrets: config.secrets });
 * await scrubber.run(async () => {
 *   scrubber.protect(code, 'code');
 *   logger.warn('failed', { error: scrubber.scrub(error.message) });
 * });
 */
export function createScrubber(options: { secrets: readonly string[]; limit?: number }): Scrubber {
  const limit = options.limit ?? SCRUB_LIMIT;
  const configured: PatternSet = { patterns: [], longest: 0 };
  for (const secret of options.secrets) addPatterns(configured, secret, 'secret');
  const scope = new AsyncLocalStorage<PatternSet>();

  function scrub(text: string): string {
    const { patterns, longest } = scope.getStore() ?? configured;
    return maskContactsIn(scrubPatterns(text, patterns, longest, limit));
  }

  function scrubError<E>(error: E, depth = 0, seen = new Set<unknown>()): E {
    if (typeof error !== 'object' || error === null || seen.has(error) || depth > 4) return error;
    seen.add(error);
    const target = error as Record<string, unknown>;
    for (const key of new Set([...Object.getOwnPropertyNames(target), 'message', 'stack'])) {
      const value = target[key];
      if (typeof value === 'string') {
        Object.defineProperty(target, key, { value: scrub(value), writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(target, key) });
      } else if (key === 'cause' || key === 'errors') {
        if (Array.isArray(value)) value.forEach((item) => scrubError(item, depth + 1, seen));
        else scrubError(value, depth + 1, seen);
      } else if (value instanceof Error) {
        scrubError(value, depth + 1, seen);
      }
    }
    return error;
  }

  function scrubValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return scrub(value);
    if (value instanceof Error) return scrubError(value);
    if (depth > 6 || typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, depth + 1)]));
  }

  return {
    scrub,
    scrubValue: (value) => scrubValue(value),
    scrubError: (error) => scrubError(error),
    // Each scope starts from the configured secrets and adds its own values.
    run: (fn) => scope.run({ patterns: [...configured.patterns], longest: configured.longest }, fn),
    protect(value, kind) {
      const own = scope.getStore();
      if (own && value) addPatterns(own, value, kind);
    },
  };
}
