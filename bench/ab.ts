/**
 * A/B of two builds of the handler on the warm path, the way `npm run bench` compares the relay
 * with the walkthrough: two long-lived children (bench/children/warm.mjs), batches of 10 calls
 * alternated between them in interleaved rounds, against the same loopback KMS and SendGrid
 * stand-ins. Reports per-round p50 ratios (B / A) and CPU per call, so a change worth a few
 * percent can be told apart from machine load.
 *
 * Run: `node --import tsx bench/ab.ts <A/index.mjs> <B/index.mjs> [--calls 2000] [--rounds 10] [--kms-delay 4]`
 * (`--kms-delay`: ms each KMS request is held, for the round trip of a real regional KMS call).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKmsStandIn } from '../src/tools/local/kms-standin.ts';
import { lambdaEnv, projectSettings, writeSignUpEvents } from './scenario.ts';
import { startDelayProxy } from './delay-proxy.ts';
import { startSendGridStandIn } from './sendgrid-standin.ts';
import { interleavedRounds, percentile, spread, startWarm } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '10' }, 'kms-delay': { type: 'string', default: '0' } },
});
const [bundleA, bundleB] = positionals;
if (!bundleA || !bundleB) throw new Error('usage: bench/ab.ts <A/index.mjs> <B/index.mjs>');
const calls = Number(options.calls);
const rounds = Number(options.rounds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const kms = await startKmsStandIn({ region: 'eu-west-1' });
const keyArn = kms.createKey();
const sendgrid = await startSendGridStandIn();
const kmsDelay = Number(options['kms-delay']);
const kmsProxy = kmsDelay > 0 ? await startDelayProxy(kms.url, kmsDelay) : undefined;
const work = mkdtempSync(join(tmpdir(), 'cognito-relay-ab-'));
try {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
  const { file: eventsFile } = await writeSignUpEvents(work, 20, { url: kms.url, keyArn });
  const env = { ...lambdaEnv(kmsProxy?.url ?? kms.url), ...projectSettings(keyArn, sendgrid.url), SENDGRID_API_KEY: 'SG.bench-project' };
  const child = join(root, 'bench/children/warm.mjs');
  const sides = { A: await startWarm(child, 'project', bundleA, eventsFile, env), B: await startWarm(child, 'project', bundleB, eventsFile, env) };
  for (const side of Object.values(sides)) await side.run(200, 0);
  const p50s = { A: [] as number[], B: [] as number[] };
  const ratios: number[] = [];
  for (const [a, b] of await interleavedRounds([sides.A, sides.B], { calls, rounds, offset: 0 })) {
    p50s.A.push(percentile(a!, 50));
    p50s.B.push(percentile(b!, 50));
    ratios.push(percentile(b!, 50) / percentile(a!, 50));
  }
  const reports = { A: await sides.A.report(), B: await sides.B.report() };
  await Promise.all([sides.A.exit(), sides.B.exit()]);
  const fmt = (s: { median: number; min: number; max: number }, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
  const cpu = (side: 'A' | 'B') => reports[side].cpuMs / reports[side].latencies.length;
  console.log(`| | A | B | B / A |\n|---|---|---|---|`);
  console.log(`| warm p50, ms, median of ${rounds} interleaved rounds (min–max) | ${fmt(spread(p50s.A))} | ${fmt(spread(p50s.B))} | ${fmt(spread(ratios), 3)} |`);
  console.log(`| CPU per call (incl. the 200 warm-up calls), ms | ${cpu('A').toFixed(3)} | ${cpu('B').toFixed(3)} | ${(cpu('B') / cpu('A')).toFixed(3)} |`);
} finally {
  await Promise.all([kms.close(), sendgrid.close(), kmsProxy?.close()]);
  rmSync(work, { recursive: true, force: true });
}
