/** Small helpers of the benchmark: statistics, child processes, sizes, zipping. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import yazl from 'yazl';

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** A figure measured once per round: its median over the rounds and the range it moved in. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Linear interpolation between closest ranks (the usual "type 7" percentile). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (rank - low);
}

export interface ColdSample {
  side: string;
  wallMs: number;
  readyMs: number;
  importMs: number;
  cpuMs: number;
  maxRssKiB: number;
}

/** Runs bench/children/cold.mjs once; wall time is spawn → exit as seen by this process. */
export function runCold(childScript: string, side: string, target: string, env: NodeJS.ProcessEnv): Promise<ColdSample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [childScript, side, target], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const line = stdout.split('\n').find((l) => l.startsWith('{"side"'));
      if (code !== 0 || !line) {
        reject(new Error(`cold ${side} exited ${code}: ${stderr.slice(0, 2000)}`));
        return;
      }
      resolve({ ...(JSON.parse(line) as Omit<ColdSample, 'wallMs'>), wallMs });
    });
  });
}

export interface WarmChild {
  ready: { readyMs: number; importMs: number; firstCallMs?: number; error?: string; readyRssKiB: number };
  /** Runs `count` invocations and resolves with their latencies (ms). */
  run(count: number, offset: number): Promise<number[]>;
  /** Latencies of the warm calls, the process's CPU time over them, and its peak RSS. */
  report(): Promise<{ latencies: number[]; cpuMs: number; maxRssKiB: number }>;
  exit(): Promise<void>;
}

type ChildMessage = { type: string; error?: string; [key: string]: unknown };

function nextMessage(child: ChildProcess, type: string): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`warm child exited (${code}) while waiting for "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Starts bench/children/warm.mjs (`nodeOptions` go before the script, e.g. `--cpu-prof`) and
 * waits until it has loaded the handler and made the first call.
 */
export async function startWarm(
  childScript: string,
  side: string,
  target: string,
  eventsFile: string,
  env: NodeJS.ProcessEnv,
  nodeOptions: string[] = [],
): Promise<WarmChild> {
  const child = spawn(process.execPath, [...nodeOptions, childScript, side, target, eventsFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  // Drain the handler's log lines; a full pipe would stall the child.
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const ready = (await nextMessage(child, 'ready').catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  })) as unknown as WarmChild['ready'];
  return {
    ready,
    async run(count, offset) {
      const done = nextMessage(child, 'ran');
      child.send({ type: 'run', count, offset });
      const message = await done;
      if (message.error) throw new Error(`${side} invocation failed: ${message.error}`);
      return message['latencies'] as number[];
    },
    async report() {
      const done = nextMessage(child, 'report');
      child.send({ type: 'report' });
      return (await done) as unknown as { latencies: number[]; cpuMs: number; maxRssKiB: number };
    },
    async exit() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'exit' });
      await exited;
    },
  };
}

/**
 * Drives long-lived children in interleaved rounds: in each round, batches of `batch` calls go to
 * every side in turn, and who goes first rotates batch by batch and round by round, so a burst of
 * machine load hits every side of the same round. Returns the latencies as [round][side][call].
 */
export async function interleavedRounds(
  sides: readonly Pick<WarmChild, 'run'>[],
  options: { calls: number; rounds: number; batch?: number; offset?: number },
): Promise<number[][][]> {
  const batch = options.batch ?? 10;
  const perRound = Math.ceil(options.calls / options.rounds);
  let offset = options.offset ?? 1;
  const rounds: number[][][] = [];
  for (let round = 0; round < options.rounds; round += 1) {
    const latencies = sides.map(() => [] as number[]);
    for (let done = 0, turn = 0; done < perRound; done += batch, turn += 1) {
      const count = Math.min(batch, perRound - done);
      for (let k = 0; k < sides.length; k += 1) {
        const index = (k + turn + round) % sides.length;
        latencies[index]!.push(...(await sides[index]!.run(count, offset)));
      }
      offset += count;
    }
    rounds.push(latencies);
  }
  return rounds;
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

export function folderBytes(dir: string, exclude: (relativePath: string) => boolean = () => false): number {
  return listFiles(dir)
    .filter((file) => !exclude(relative(dir, file)))
    .reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Zips a folder the way scripts/build.mjs zips the Lambda (deflate level 9, fixed mtime). */
export async function zipFolder(dir: string, zipPath: string, exclude: (relativePath: string) => boolean = () => false): Promise<number> {
  const zip = new yazl.ZipFile();
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (const file of listFiles(dir)) {
    const name = relative(dir, file);
    if (!exclude(name)) zip.addFile(file, name, { mtime, mode: 0o100644, compressionLevel: 9 });
  }
  zip.end();
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(createWriteStream(zipPath)).on('close', () => resolve()).on('error', reject);
  });
  return statSync(zipPath).size;
}
