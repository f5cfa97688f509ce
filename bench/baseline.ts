/**
 * The "before" column: the walkthrough's handler (its folder given in BENCH_BASELINE_DIR), installed
 * once into .bench/ (gitignored) and reused while its files do not change.
 *
 * Two installs: `baseline/` with dev dependencies (its index.js requires `aws-sdk` v2, which the
 * Node.js 12 runtime provided, so it must be present to run), and `baseline-prod/` with
 * production dependencies only — what its deployment zip would have held.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Baseline {
  /** Folder with the full install; `index.js` is the handler module. */
  dir: string;
  handlerPath: string;
  /** Production-only install (for the zip size). */
  prodDir: string;
  /** Packages of the lockfile that declare install scripts (skipped: `npm ci --ignore-scripts`). */
  installScripts: { name: string; dev: boolean }[];
  /** `@aws-crypto/client-node` version actually installed (the baseline's Encryption SDK). */
  clientNodeVersion: string;
}

/**
 * The walkthrough handler's folder (its `index.js`, `package.json` and `package-lock.json`):
 * `BENCH_BASELINE_DIR`, else a `baseline/seed-lambda` folder beside the repository.
 */
export function seedDir(repoRoot: string): string {
  return resolve(process.env.BENCH_BASELINE_DIR ?? join(repoRoot, '..', 'shared', 'baseline', 'seed-lambda'));
}

function fingerprint(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules') continue;
    hash.update(name).update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex');
}

function install(seed: string, target: string, stamp: string, omitDev: boolean, log: (line: string) => void): void {
  const stampFile = join(target, '.bench-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  log(`installing the baseline into ${target} (npm ci${omitDev ? ' --omit=dev' : ''} --ignore-scripts)…`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(seed)) {
    if (name !== 'node_modules') cpSync(join(seed, name), join(target, name), { recursive: true });
  }
  const args = ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...(omitDev ? ['--omit=dev'] : [])];
  const npm = spawnSync('npm', args, { cwd: target, stdio: ['ignore', 'inherit', 'inherit'] });
  if (npm.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${target} (exit ${npm.status})`);
  writeFileSync(stampFile, stamp);
}

export function prepareBaseline(repoRoot: string, log: (line: string) => void): Baseline {
  const seed = seedDir(repoRoot);
  if (!existsSync(join(seed, 'index.js')) || !existsSync(join(seed, 'package-lock.json'))) {
    throw new Error(`no baseline handler at ${seed} (index.js + package-lock.json); set BENCH_BASELINE_DIR`);
  }
  const stamp = fingerprint(seed);
  const dir = join(repoRoot, '.bench/baseline');
  const prodDir = join(repoRoot, '.bench/baseline-prod');
  install(seed, dir, stamp, false, log);
  install(seed, prodDir, stamp, true, log);

  const lock = JSON.parse(readFileSync(join(seed, 'package-lock.json'), 'utf8')) as {
    packages?: Record<string, { hasInstallScript?: boolean; dev?: boolean }>;
  };
  const installScripts = Object.entries(lock.packages ?? {})
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path, entry]) => ({ name: path.replace(/^.*node_modules\//, ''), dev: entry.dev === true }));
  const clientNode = JSON.parse(readFileSync(join(dir, 'node_modules/@aws-crypto/client-node/package.json'), 'utf8')) as { version: string };
  return { dir, handlerPath: join(dir, 'index.js'), prodDir, installScripts, clientNodeVersion: clientNode.version };
}
