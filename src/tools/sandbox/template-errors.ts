/**
 * Template errors as an editor shows them: `path:line:column`. Mustache reports where a template
 * stops parsing as a character offset (`Unclosed tag at 17`); this turns the offset into a line
 * and column of the file named in the message, read from the template folders.
 *
 * @example
 * locateTemplateError('templates/en/SignUp/email.html does not parse: Unclosed tag at 17', { dirs: ['templates'] })
 * // 'templates/en/SignUp/email.html:2:5: does not parse: Unclosed tag (line 2, column 5)'
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

/** Line and column (both from 1) of a character offset in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

// `<path> does not parse: <reason> at <offset>` (build) or
// `template <path> (<layer>) does not parse: <reason> at <offset>` (renderer).
const PATTERN = /(?:template )?(\S+?)(?: \(([^)]*)\))? does not parse: (.+?) at (\d+)\b/g;

function locate(path: string, layer: string | undefined, reason: string, offset: string, options: { dirs: string[]; builtinDir?: string }): string | undefined {
  const candidates = isAbsolute(path) ? [path] : (layer === 'built-in' && options.builtinDir ? [options.builtinDir] : options.dirs).map((dir) => join(dir, path));
  const file = candidates.find((candidate) => existsSync(candidate));
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
  const { line, column } = lineAndColumn(text, openingOf(reason, text, Number(offset)));
  const shown = relative(process.cwd(), file);
  const name = shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : file;
  return `${name}:${line}:${column}: does not parse: ${reason} (line ${line}, column ${column})`;
}

/**
 * Mustache reports an unclosed tag or section where it gave up, the end of the file; the place to
 * fix is where it was opened. Every tag before the unclosed one did close, so that is the first
 * `{{` after the last `}}`; an unclosed section is its last `{{#name}}` / `{{^name}}`.
 */
function openingOf(reason: string, text: string, offset: number): number {
  if (reason === 'Unclosed tag') {
    const opening = text.indexOf('{{', text.lastIndexOf('}}') + 1);
    return opening === -1 ? offset : opening;
  }
  const section = /^Unclosed section "(.+)"$/.exec(reason)?.[1];
  if (section !== undefined && offset >= text.length) {
    const escaped = section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const openings = [...text.matchAll(new RegExp(`\\{\\{\\s*[#^]\\s*${escaped}\\s*\\}\\}`, 'g'))];
    return openings.at(-1)?.index ?? offset;
  }
  return offset;
}

/** Rewrites each `… does not parse: … at <offset>` in `message` as `path:line:column: …`. */
export function locateTemplateError(message: string, options: { dirs: string[]; builtinDir?: string }): string {
  return message.replace(PATTERN, (whole, path: string, layer: string | undefined, reason: string, offset: string) => locate(path, layer, reason, offset, options) ?? whole);
}

/**
 * What a failed build says to a person: one `path:line:column` line per template that does not
 * parse (esbuild repeats each error, with its own stack trace around it), or else the build's
 * output without stack frames.
 */
export function summarizeBuildFailure(message: string, options: { dirs: string[]; builtinDir?: string }): string {
  const templates = [...message.matchAll(PATTERN)].map((match) => locate(match[1]!, match[2], match[3]!, match[4]!, options) ?? match[0]);
  if (templates.length > 0) return [...new Set(templates)].join('\n');
  return message
    .split('\n')
    .filter((line) => !/^\s+at .+\(?.*:\d+:\d+\)?$/.test(line))
    .join('\n')
    .trim();
}
