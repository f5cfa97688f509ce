/**
 * Templates authored in MJML (`email.mjml`) or React Email (`email.tsx`) next to `email.html`:
 * compiled to HTML when a folder is scanned (build time, sandbox, CLI), never in the Lambda. The
 * compiler runs as a child process (authoring-compiler.mjs) so scanning stays synchronous and the
 * bundle never imports MJML or React; results are kept per file version.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Authored sources and the template file each compiles to. */
export const AUTHORED_FILES: Readonly<Record<string, 'email.html'>> = { 'email.mjml': 'email.html', 'email.tsx': 'email.html' };

const cache = new Map<string, string>();

/** The compiled HTML, or throws an Error whose message says what is wrong in the source. */
export function compileAuthoredTemplate(path: string): string {
  const stat = statSync(path);
  const key = `${path}\n${stat.mtimeMs}\n${stat.size}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const compiler = fileURLToPath(new URL('./authoring-compiler.mjs', import.meta.url));
  const child = spawnSync(process.execPath, [compiler, path], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  if (child.status !== 0) throw new Error((child.stderr || child.error?.message || `exit ${child.status}`).trim());
  cache.set(key, child.stdout);
  return child.stdout;
}
