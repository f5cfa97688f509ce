/**
 * CPU profile of the relay's warm path, as `npm run bench` runs it: the Lambda bundle in a
 * long-lived child (bench/children/warm.mjs) started with `--cpu-prof`, invoked `--calls` times
 * against the loopback KMS and SendGrid stand-ins, then a table of self time grouped by where the
 * code comes from (our source, a dependency, Node internals, native/GC), and the top functions.
 *
 * Run: `node --import tsx bench/warm-profile.ts [--calls 3000] [--no-build] [--top 40]`.
 * The raw `.cpuprofile` is kept in the OS temp folder (path printed) for Chrome DevTools or speedscope.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKmsStandIn } from '../src/tools/local/kms-standin.ts';
import { lambdaEnv, projectSettings, writeSignUpEvents } from './scenario.ts';
import { startSendGridStandIn } from './sendgrid-standin.ts';
import { startWarm } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    top: { type: 'string', default: '40' },
    'no-build': { type: 'boolean', default: false },
    // Another build of the handler, e.g. an unminified one whose function names read.
    bundle: { type: 'string', default: join(root, 'dist/lambda/index.mjs') },
  },
});
const calls = Math.max(1, Number(options.calls));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

if (!options['no-build'] && !process.argv.some((arg) => arg.startsWith('--bundle'))) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) throw new Error('the build failed');
}

const kms = await startKmsStandIn({ region: 'eu-west-1' });
const keyArn = kms.createKey();
const sendgrid = await startSendGridStandIn();
const work = mkdtempSync(join(tmpdir(), 'cognito-relay-profile-'));
try {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
  const { file: eventsFile } = await writeSignUpEvents(work, 20, { url: kms.url, keyArn });
  const env = { ...lambdaEnv(kms.url), ...projectSettings(keyArn, sendgrid.url), SENDGRID_API_KEY: 'SG.bench-project' };
  const profileDir = join(work, 'profile');
  const child = await startWarm(join(root, 'bench/children/warm.mjs'), 'project', options.bundle, eventsFile, env, [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
  ]);
  // Warm up outside the figures that matter, then the measured calls.
  await child.run(200, 1);
  const latencies: number[] = [];
  for (let done = 0; done < calls; done += 100) latencies.push(...(await child.run(Math.min(100, calls - done), done)));
  const report = await child.report();
  await child.exit();

  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const kept = join(tmpdir(), `cognito-relay-warm-${Date.now()}.cpuprofile`);
  renameSync(join(profileDir, file), kept);
  console.log(`profile: ${kept}`);

  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }
  const profile = JSON.parse(readFileSync(kept, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const where = (url: string, name: string): string => {
    if (!url) return name.startsWith('(') ? name : `native: ${name}`;
    if (url.startsWith('node:')) return url;
    if (url.includes('bench/children')) return 'bench child';
    return url.replace(/^.*\/(?=[^/]+\.mjs$)/, 'bundle: ');
  };
  const totals = new Map<string, number>();
  const functions = new Map<string, number>();
  let all = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    all += us;
    const key = where(url, functionName);
    totals.set(key, (totals.get(key) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${where(url, '')}:${lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  // Inclusive time of whatever writes to stdout/stderr (Console, stream writes), our cost of logging.
  const inclusive = (match: (n: Node) => boolean): number => {
    let sum = 0;
    for (const [id, us] of self) {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        if (match(byId.get(at)!)) {
          sum += us;
          break;
        }
      }
    }
    return sum;
  };
  const perCall = (us: number) => `${(us / 1000 / (latencies.length + 200)).toFixed(3)} ms`;
  const pct = (us: number) => `${((100 * us) / all).toFixed(1)}%`;
  console.log(`first call after init: ${child.ready.firstCallMs?.toFixed(2)} ms; ready ${child.ready.readyMs.toFixed(1)} ms; RSS at ready ${(child.ready.readyRssKiB / 1024).toFixed(1)} MiB`);
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`${latencies.length} warm calls; p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms; CPU ${(report.cpuMs / report.latencies.length).toFixed(2)} ms per call`);
  console.log(`busy samples: ${(all / 1000).toFixed(0)} ms (${perCall(all)} per call)\n`);
  console.log('| self time by origin | per call | share |\n|---|---|---|');
  for (const [key, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`| ${key} | ${perCall(us)} | ${pct(us)} |`);
  console.log(`\n| top functions (self) | per call | share |\n|---|---|---|`);
  for (const [key, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(options.top))) console.log(`| ${key} | ${perCall(us)} | ${pct(us)} |`);
  // Inclusive time per function: each sample counted once per function on its stack.
  const inclusiveByFunction = new Map<string, number>();
  for (const [id, us] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      const fn = `${functionName || '(anonymous)'} ${where(url, '')}:${lineNumber + 1}`;
      if (seen.has(fn)) continue;
      seen.add(fn);
      inclusiveByFunction.set(fn, (inclusiveByFunction.get(fn) ?? 0) + us);
    }
  }
  console.log(`\n| top functions (inclusive) | per call | share |\n|---|---|---|`);
  for (const [key, us] of [...inclusiveByFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(options.top) * 2)) console.log(`| ${key} | ${perCall(us)} | ${pct(us)} |`);
  const writes = inclusive((n) => /^(writeGeneric|writeUtf8String|writeOrBuffer|_write|kWriteToConsole|\[kWriteToConsole\])$/.test(n.callFrame.functionName) && n.callFrame.url.startsWith('node:'));
  console.log(`\nstdout/stderr writes (inclusive): ${perCall(writes)} per call, ${pct(writes)}`);
} finally {
  await Promise.all([kms.close(), sendgrid.close()]);
  rmSync(work, { recursive: true, force: true });
}
