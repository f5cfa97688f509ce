/**
 * The bundle the sandbox runs is the one that ships: `dist/lambda/index.mjs`, built by
 * `npm run build` (scripts/build.mjs). This module tells whether it is missing or older than
 * what went into it (sources, dependencies, templates), and rebuilds it.
 *
 * @example
 * const status = bundleStatus();
 * if (status.stale) await buildBundle();
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayError } from '../../runtime/errors.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEFAULT_BUNDLE = join(REPO_ROOT, 'dist/lambda/index.mjs');

export interface BundleStatus {
  path: string;
  exists: boolean;
  /** True when missing or older than one of its inputs. */
  stale: boolean;
  /** Why it is stale, e.g. `src/runtime/core/relay.ts changed since the last build`. */
  reason?: string;
  builtAt?: string;
  sizeBytes?: number;
}

function newestUnder(dir: string, depth = 0): { path: string; mtimeMs: number } | undefined {
  let newest: { path: string; mtimeMs: number } | undefined;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of entries) {
    const path = join(dir, name);
    let stats;
    try {
      stats = statSync(path);
    } catch {
      continue;
    }
    const candidate = stats.isDirectory() ? (depth < 6 ? newestUnder(path, depth + 1) : undefined) : { path, mtimeMs: stats.mtimeMs };
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/**
 * Checks the shipped bundle against its inputs: every file esbuild read (dist/meta.json), the
 * template folders embedded by the templates plugin, the build script and the lockfile.
 */
export function bundleStatus(options: { bundle?: string; root?: string; templatesDir?: string } = {}): BundleStatus {
  const root = options.root ?? REPO_ROOT;
  const path = options.bundle ?? join(root, 'dist/lambda/index.mjs');
  if (!existsSync(path)) return { path, exists: false, stale: true, reason: `${path} does not exist yet` };
  const stats = statSync(path);
  const status: BundleStatus = { path, exists: true, stale: false, builtAt: stats.mtime.toISOString(), sizeBytes: stats.size };
  const builtAt = stats.mtimeMs;

  for (const extra of [join(root, 'scripts/build.mjs'), join(root, 'package-lock.json')]) {
    if (existsSync(extra) && statSync(extra).mtimeMs > builtAt) return { ...status, stale: true, reason: `${extra.replace(root, '')} changed since the last build` };
  }
  const inputs: string[] = [];
  const metaPath = join(root, 'dist/meta.json');
  if (existsSync(metaPath)) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { inputs?: Record<string, unknown> };
      inputs.push(...Object.keys(meta.inputs ?? {}).map((input) => resolve(root, input)));
    } catch {
      return { ...status, stale: true, reason: 'dist/meta.json is unreadable' };
    }
  } else {
    return { ...status, stale: true, reason: 'dist/meta.json is missing' };
  }
  for (const input of inputs) {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(input).mtimeMs;
    } catch {
      // A file that went away (a provider removed) changes the bundle too.
      if (!input.includes('node_modules')) return { ...status, stale: true, reason: `${input} was removed since the last build` };
      continue;
    }
    if (mtimeMs > builtAt) return { ...status, stale: true, reason: `${input.replace(root, '')} changed since the last build` };
  }
  for (const dir of [options.templatesDir ?? join(root, 'templates'), join(root, 'src/runtime/templates/builtin')]) {
    const newest = newestUnder(dir);
    if (newest && newest.mtimeMs > builtAt) return { ...status, stale: true, reason: `${newest.path.replace(root, '')} changed since the last build` };
  }
  return status;
}

/**
 * Runs `scripts/build.mjs` (what `npm run build` runs). Resolves with its output; rejects with
 * a `BUILD_FAILED` RelayError carrying esbuild's message (e.g. a template that does not parse).
 */
export function buildBundle(options: { root?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const root = options.root ?? REPO_ROOT;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => reject(new RelayError('BUILD_FAILED', `could not run scripts/build.mjs: ${error.message}`, { cause: error })));
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(output.trim());
      else reject(new RelayError('BUILD_FAILED', `npm run build failed:\n${output.trim()}`));
    });
  });
}
