/**
 * Warm latency of three handlers side by side, the way `npm run bench` compares two: the relay's
 * bundle, the floor (bench/floor/handler.ts: decrypt + one POST, nothing else) and the
 * walkthrough's handler, each in a long-lived child, batches of 10 calls rotated between them in
 * interleaved rounds, against the same loopback KMS and SendGrid stand-ins. Per-round p50 ratios
 * to the walkthrough's, medians with their range: how far the relay is from what it cannot skip.
 *
 * Run: `node --import tsx bench/floor/run.ts [--calls 600] [--no-build]` (BENCH_BASELINE_DIR as for `npm run bench`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { startKmsStandIn } from '../../src/tools/local/kms-standin.ts';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { lambdaBuildOptions } from '../../scripts/esbuild-plugins/lambda-options.mjs';
import { prepareBaseline } from '../baseline.ts';
import { interleavedRounds, percentile, spread, startWarm } from '../measure.ts';
import { lambdaEnv, projectSettings, writeSignUpEvents } from '../scenario.ts';
import { startSendGridStandIn } from '../sendgrid-standin.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values: options } = parseArgs({ options: { calls: { type: 'string', default: '600' }, 'no-build': { type: 'boolean', default: false } } });
const calls = Number(options.calls);
const roundCount = 8;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

if (!options['no-build']) {
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) throw new Error('the build failed');
}
const baseline = prepareBaseline(root, (line) => console.error(line));
const work = mkdtempSync(join(tmpdir(), 'cognito-relay-floor-'));
// Inside the repository, so the bundle's runtime-provided externals resolve from node_modules.
const floorDir = join(root, 'dist', `bench-floor-${process.pid}`);
await build({ ...lambdaBuildOptions(), entryPoints: { index: join(root, 'bench/floor/handler.ts') }, outdir: floorDir, logLevel: 'warning' });

const kms = await startKmsStandIn({ region: 'eu-west-1' });
const keyArn = kms.createKey();
const sendgrid = await startSendGridStandIn();
try {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
  const { file: eventsFile } = await writeSignUpEvents(work, 40, { url: kms.url, keyArn });
  const env = { ...lambdaEnv(kms.url), ...projectSettings(keyArn, sendgrid.url), SENDGRID_API_KEY: 'SG.bench', KEY_ID: keyArn, SENDGRID_BASE_URL: sendgrid.url };
  const child = join(root, 'bench/children/warm.mjs');
  const sides = [
    { name: 'relay (dist/lambda)', warm: await startWarm(child, 'project', join(root, 'dist/lambda/index.mjs'), eventsFile, env) },
    { name: 'floor: decrypt + one POST', warm: await startWarm(child, 'project', join(floorDir, 'index.mjs'), eventsFile, env) },
    { name: 'walkthrough handler', warm: await startWarm(child, 'baseline', baseline.handlerPath, eventsFile, env) },
  ];
  const rounds = await interleavedRounds(
    sides.map((side) => side.warm),
    { calls, rounds: roundCount },
  );
  const p50s = sides.map((_, index) => rounds.map((round) => percentile(round[index]!, 50)));
  const reference = p50s[sides.length - 1]!;
  console.log(`| warm p50, ${roundCount} interleaved rounds of ${Math.ceil(calls / roundCount)} calls | ms (min–max) | / walkthrough (min–max) |\n|---|---|---|`);
  sides.forEach((side, index) => {
    const ms = spread(p50s[index]!);
    const ratio = spread(p50s[index]!.map((value, round) => value / reference[round]!));
    console.log(`| ${side.name} | ${ms.median.toFixed(2)} (${ms.min.toFixed(2)}–${ms.max.toFixed(2)}) | ${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}) |`);
  });
  await Promise.all(sides.map((side) => side.warm.exit()));
} finally {
  await Promise.all([kms.close(), sendgrid.close()]);
  rmSync(work, { recursive: true, force: true });
  rmSync(floorDir, { recursive: true, force: true });
}
