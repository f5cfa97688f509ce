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
const PATTERN = /(?:template )?(\S+?)(?: \(([^)]*)\))? does not parse: (.*?) at (\d+)(?=$|\n)/gm;

export function locateTemplateError(message: string, options: { dirs: string[]; builtinDir?: string }): string {
  return message.replace(PATTERN, (whole, path: string, layer: string | undefined, reason: string, offset: string) => {
    const candidates = isAbsolute(path)
      ? [path]
      : [...(layer === 'built-in' && options.builtinDir ? [options.builtinDir] : []), ...options.dirs].map((dir) => join(dir, path));
    const file = candidates.find((candidate) => existsSync(candidate));
    if (!file) return whole;
    let text: string;
    try {
      text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch {
      return whole;
    }
    const { line, column } = lineAndColumn(text, Number(offset));
    const shown = relative(process.cwd(), file);
    const name = shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : file;
    return `${name}:${line}:${column}: does not parse: ${reason} (line ${line}, column ${column})`;
  });
}
