/**
 * Checks a template store before any message goes out: at build time (the esbuild plugin), at
 * cold start (bootstrap) and in the sandbox gallery. A message that should carry the code must
 * always carry it, so:
 *
 * - every file parses, and a tag that does not (an unclosed section, `{{name}` with one brace)
 *   is reported with its file, line and column;
 * - every variable a template uses is one the relay provides (a typo such as `{{nmae}}` renders
 *   as nothing in Mustache, silently);
 * - every code-bearing trigger renders, in every locale the store has, with a sentinel code, and
 *   the sentinel appears in each part that reaches the user: email HTML, email text and SMS
 *   (code-check.ts, the part the Lambda runs at cold start).
 *
 * @example
 * const problems = checkTemplates(store, { defaultLocale: 'en' });
 * if (problems.length > 0) throw new TemplateError(formatTemplateProblems(problems));
 */
import Mustache from 'mustache';
import { TemplateError } from '../errors.ts';
import { checkCodeInTemplates, type TemplateProblem, type CodeCheckOptions } from './code-check.ts';
import { CONTENT_PARTIAL, type TemplateStore } from './store.ts';
import { TEMPLATE_VARIABLES } from './variables.ts';

export type { TemplateProblem } from './code-check.ts';

export interface CheckOptions extends CodeCheckOptions {
  /**
   * Variable names templates may use besides the relay's own (for example brand values a
   * deployment adds); a name `a.b` also allows sections `{{#a}}…{{/a}}`.
   */
  extraVariables?: readonly string[] | undefined;
  /**
   * Check every file's tags and variable names (default true). A bundle's files were checked when
   * it was built, so the cold-start check renders only.
   */
  checkFiles?: boolean | undefined;
  /** How a file is named in problems; default `<layer name>: <relative path>`. */
  fileName?: ((layerName: string, path: string) => string) | undefined;
}


/** Roots whose members are open-ended: any attribute or metadata key may appear. */
const OPEN_ROOTS = new Set(['user', 'clientMetadata']);

/** Every name a template may use, and every prefix of a dotted one (usable as a section). */
function knownNames(extra: readonly string[]): Set<string> {
  const names = new Set<string>(['subject', '.']);
  for (const name of [...TEMPLATE_VARIABLES.map((variable) => variable.name), ...extra]) {
    const parts = name.split('.');
    for (let i = 1; i <= parts.length; i++) names.add(parts.slice(0, i).join('.'));
  }
  return names;
}

/** Turns a character offset into 1-based line and column. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1) as string).length + 1 };
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/**
 * Mustache's parse errors end with `at <offset>` (mustache.js 4: "Unclosed tag at 12",
 * "Unclosed section \"x\" at 40", "Unopened section \"x\" at 7").
 */
function parseProblem(file: string, text: string, error: Error): TemplateProblem {
  const match = /^(.*?)(?: at (\d+))?$/.exec(error.message);
  const offset = match?.[2] === undefined ? undefined : Number(match[2]);
  const where = offset === undefined ? {} : lineAndColumn(text, offset);
  return { file, ...where, message: `does not parse: ${match?.[1] ?? error.message}` };
}

function checkNames(file: string, text: string, tokens: Token[], known: Set<string>, sections: string[], out: TemplateProblem[]): void {
  for (const token of tokens) {
    const [type, value, start] = token;
    if (type === '>' || type === 'text' || type === '!' || type === '=') continue;
    const root = value.split('.')[0] as string;
    // Inside {{#signIn}}…{{/signIn}}, `{{time}}` means signIn.time.
    const resolves =
      known.has(value) ||
      OPEN_ROOTS.has(root) ||
      sections.some((section) => known.has(`${section}.${value}`) || OPEN_ROOTS.has(section.split('.')[0] as string));
    if (!resolves) {
      const hint = value.includes('}') || value.includes('{') ? ' (a tag with one brace too few?)' : '';
      out.push({ file, ...lineAndColumn(text, start), message: `unknown variable {{${value}}}${hint}` });
    }
    if ((type === '#' || type === '^') && token[4]) checkNames(file, text, token[4], known, [...sections, value], out);
  }
}

/** Parses every file of every layer; reports syntax errors and unknown variables where they are. */
function checkFiles(store: TemplateStore, known: Set<string>, fileName: (layerName: string, path: string) => string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const layer of store.layers()) {
    for (const [path, text] of layer.files) {
      const file = fileName(layer.name, path);
      let tokens: Token[];
      try {
        tokens = Mustache.parse(text) as unknown as Token[];
      } catch (error) {
        problems.push(parseProblem(file, text, error as Error));
        continue;
      }
      checkNames(file, text, tokens, known, [], problems);
    }
  }
  return problems;
}

/**
 * Every problem in the store, in file order. Empty when every message that should carry the code
 * does, and every tag and name is right.
 */
export function checkTemplates(store: TemplateStore, options: CheckOptions = {}): TemplateProblem[] {
  const known = knownNames(options.extraVariables ?? []);
  known.add(CONTENT_PARTIAL);
  const fileProblems = options.checkFiles === false ? [] : checkFiles(store, known, options.fileName ?? ((layerName, path) => `${layerName}: ${path}`));
  // A file that does not parse would only repeat itself as render failures.
  if (fileProblems.some((problem) => problem.message.startsWith('does not parse'))) return fileProblems;
  return [...fileProblems, ...checkCodeInTemplates(store, options)];
}

export function formatTemplateProblem(problem: TemplateProblem): string {
  const at = problem.line === undefined ? '' : `:${problem.line}:${problem.column}`;
  return `${problem.file}${at}: ${problem.message}`;
}

/** Throws one `TemplateError` listing every problem, or returns when there is none. */
export function assertTemplates(store: TemplateStore, options: CheckOptions = {}): void {
  const problems = checkTemplates(store, options);
  if (problems.length > 0) {
    throw new TemplateError(`templates are not safe to send:\n  - ${problems.map(formatTemplateProblem).join('\n  - ')}`);
  }
}
