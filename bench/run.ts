/**
 * `npm run bench`: the Lambda bundle (dist/lambda) against the walkthrough's handler
 * (its folder in BENCH_BASELINE_DIR; see bench/baseline.ts), side by side in one run, on loopback only.
 *
 * 1. builds (scripts/build.mjs) and installs the baseline into .bench/ (first run only);
 * 2. cold init: fresh `node` processes loading each handler module, alternated
 *    (bare node, project, baseline, bare node, …); medians;
 * 3. first call after init: fresh processes that load the handler and invoke it once, alternated;
 * 4. warm invocations: one long-lived process per side; interleaved rounds (each round: small
 *    batches alternated between the sides), p50/p90/p99 per round and side, reported as the
 *    median over rounds with the range they moved in; the warm ratio is the median of the
 *    per-round ratios, so a burst of machine load hits both sides of the same round;
 * 5. sizes of both deployment zips.
 * Both sides get the same Cognito-format events (Encryption SDK messages, suite 0x0378, made
 * through the KMS stand-in) and talk to the same loopback KMS stand-in and SendGrid stand-in.
 *
 * Prints a table with ratios (project / baseline) and writes bench/results/latest.json.
 *
 * Options: --rounds N (cold and first-call processes per side, default 12), --calls N (warm
 * calls per side, default 400), --warm-rounds N (default 8), --warm-up N (calls per side before
 * the measured rounds, default 0: the rounds start at the second call), --no-build, --out <file>.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKmsStandIn } from '../src/tools/local/kms-standin.ts';
import { lambdaEnv, projectSettings, writeSignUpEvents } from './scenario.ts';
import { prepareBaseline } from './baseline.ts';
import { startSendGridStandIn } from './sendgrid-standin.ts';
import { startSecretsManagerStandIn } from './secrets-manager-standin.ts';
import { interleavedRounds, folderBytes, median, percentile, runCold, spread, startWarm, zipFolder, type ColdSample, type Spread } from './measure.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const coldChild = join(root, 'bench/children/cold.mjs');
const warmChild = join(root, 'bench/children/warm.mjs');
const bundle = join(root, 'dist/lambda/index.mjs');

/** Targets of issue 7, as ratios project / baseline (lower is better), and the zip budget. */
const TARGETS = { coldInit: 0.35, peakRss: 0.7, warmP50: 0.5, firstCall: 0.5, zipBytes: 200_000 } as const;

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '12' },
    calls: { type: 'string', default: '400' },
    'warm-rounds': { type: 'string', default: '8' },
    // Calls per side before the measured rounds (JIT warm-up), interleaved the same way; 0 measures from the second call on.
    'warm-up': { type: 'string', default: '0' },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench/results/latest.json') },
  },
});
const rounds = Math.max(1, Number(options.rounds));
// This process encrypts through the SDK on Node 20; its support notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const loadAtStart = loadavg();
const calls = Math.max(1, Number(options.calls));
const warmRounds = Math.max(1, Math.min(calls, Number(options['warm-rounds'])));
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!options['no-build']) {
  log('building dist/lambda…');
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (built.status !== 0) throw new Error('the build failed');
}
const baseline = prepareBaseline(root, log);

// Loopback stand-ins shared by both sides.
const kms = await startKmsStandIn({ region: 'eu-west-1' });
const keyArn = kms.createKey();
const sendgrid = await startSendGridStandIn();
// The recommended deployment reads its provider key from Secrets Manager at cold start.
const secretsManager = await startSecretsManagerStandIn();
const sendGridSecretArn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cognito-relay/sendgrid-AbCdEf';
secretsManager.secrets.set(sendGridSecretArn, 'SG.bench-project');
const work = mkdtempSync(join(tmpdir(), 'cognito-relay-bench-'));

try {
  log('encrypting Cognito-format codes through the KMS stand-in…');
  process.env.AWS_ACCESS_KEY_ID = 'AKIDBENCH';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench-secret';
  const { file: eventsFile, codes } = await writeSignUpEvents(work, 40, { url: kms.url, keyArn });
  const common = lambdaEnv(kms.url);
  const env = {
    project: { ...common, ...projectSettings(keyArn, sendgrid.url), SENDGRID_API_KEY: 'SG.bench-project' },
    // Same deployment, key as SENDGRID_API_KEY_SECRET_ARN (how the infra templates pass it).
    projectSecret: {
      ...common,
      ...projectSettings(keyArn, sendgrid.url),
      SENDGRID_API_KEY_SECRET_ARN: sendGridSecretArn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    },
    baseline: { ...common, KEY_ID: keyArn, SENDGRID_API_KEY: 'SG.bench-baseline', SENDGRID_BASE_URL: sendgrid.url },
    bare: { ...common },
  };
  const target = { project: bundle, projectSecret: bundle, baseline: baseline.handlerPath, bare: '' };

  // 1. Cold init.
  log(`cold init: ${rounds} rounds of bare node / project / project with a secret / baseline…`);
  const cold: Record<'bare' | 'project' | 'projectSecret' | 'baseline', ColdSample[]> = { bare: [], project: [], projectSecret: [], baseline: [] };
  for (let round = 0; round < rounds; round += 1) {
    // Rotate the order so neither side always runs right after the other.
    const order = (['bare', 'project', 'projectSecret', 'baseline'] as const).map((_, i, all) => all[(i + round) % all.length] as (typeof all)[number]);
    for (const side of order) cold[side].push(await runCold(coldChild, side, target[side], env[side]));
  }

  if (secretsManager.reads < rounds) throw new Error(`project with a secret: expected ${rounds} Secrets Manager reads, got ${secretsManager.reads}`);

  // 2. First call after init, from fresh processes.
  log(`first call: ${rounds} fresh processes per side…`);
  const first: Record<'project' | 'baseline', { firstCallMs: number; readyMs: number }[]> = { project: [], baseline: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? (['project', 'baseline'] as const) : (['baseline', 'project'] as const);
    for (const side of order) {
      const child = await startWarm(warmChild, side, target[side], eventsFile, env[side]);
      await child.exit();
      if (child.ready.firstCallMs === undefined) throw new Error(`${side}: the first call failed: ${child.ready.error}`);
      first[side].push({ firstCallMs: child.ready.firstCallMs, readyMs: child.ready.readyMs });
    }
  }

  // Both sides really decrypted and delivered: each SendGrid request carries one of our codes.
  for (const side of ['project', 'baseline'] as const) {
    const sent = sendgrid.requests.filter((r) => r.authorization === `Bearer ${env[side].SENDGRID_API_KEY}`);
    if (sent.length < rounds) throw new Error(`${side}: expected ${rounds} SendGrid requests, got ${sent.length}`);
    if (!sent.every((r) => r.body.includes(codes[0] as string))) throw new Error(`${side}: a SendGrid request lacks the decrypted code`);
  }

  // 3. Warm invocations, alternating batches between two live environments.
  log(`warm: ${calls} invocations per side in ${warmRounds} interleaved rounds…`);
  const connectionsBeforeWarm = { kms: kms.connections, sendgrid: sendgrid.connections };
  const warm = {
    project: await startWarm(warmChild, 'project', target.project, eventsFile, env.project),
    baseline: await startWarm(warmChild, 'baseline', target.baseline, eventsFile, env.baseline),
  };
  const warmUp = Math.max(0, Number(options['warm-up']));
  const sides = [warm.project, warm.baseline];
  if (warmUp > 0) await interleavedRounds(sides, { calls: warmUp, rounds: 1 });
  const perRound = Math.ceil(calls / warmRounds);
  type Percentiles = { p50: number; p90: number; p99: number };
  const percentiles = (latencies: number[]): Percentiles => ({ p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99) });
  const warmRoundStats = (await interleavedRounds(sides, { calls, rounds: warmRounds })).map(([project, baseline]) => ({
    project: percentiles(project!),
    baseline: percentiles(baseline!),
  }));
  const warmReport = { project: await warm.project.report(), baseline: await warm.baseline.report() };
  // Two live environments: with keep-alive, two connections to each server for all those calls.
  const connectionsDuringWarm = {
    kms: kms.connections - connectionsBeforeWarm.kms,
    sendgrid: sendgrid.connections - connectionsBeforeWarm.sendgrid,
  };
  await Promise.all([warm.project.exit(), warm.baseline.exit()]);

  // 4. Sizes. The baseline's zip: its folder with production dependencies, as it would deploy.
  const zipBytes = statSync(join(root, 'dist/lambda.zip')).size;
  const unzippedBytes = folderBytes(join(root, 'dist/lambda'));
  const notInstallArtefact = (path: string) => path === '.bench-stamp' || path.endsWith('.package-lock.json');
  const baselineZipBytes = await zipFolder(baseline.prodDir, join(work, 'baseline.zip'), notInstallArtefact);
  const baselineUnzippedBytes = folderBytes(baseline.prodDir, notInstallArtefact);

  // Summary.
  const summarize = (samples: ColdSample[]) => ({
    wallMs: median(samples.map((s) => s.wallMs)),
    readyMs: median(samples.map((s) => s.readyMs)),
    importMs: median(samples.map((s) => s.importMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    maxRssKiB: median(samples.map((s) => s.maxRssKiB)),
  });
  const coldSummary = { bare: summarize(cold.bare), project: summarize(cold.project), projectSecret: summarize(cold.projectSecret), baseline: summarize(cold.baseline) };
  const warmSummary = (side: 'project' | 'baseline') => ({
    count: warmReport[side].latencies.length - Math.max(0, Number(options['warm-up'])),
    rounds: warmRoundStats.length,
    p50: spread(warmRoundStats.map((r) => r[side].p50)),
    p90: spread(warmRoundStats.map((r) => r[side].p90)),
    p99: spread(warmRoundStats.map((r) => r[side].p99)),
  });
  // Per-round ratios: both sides of a round ran interleaved, under the same machine load.
  const warmRatio = (key: 'p50' | 'p90' | 'p99'): Spread => spread(warmRoundStats.map((r) => r.project[key] / r.baseline[key]));
  const summary = {
    coldInitWallMs: { project: coldSummary.project.wallMs, baseline: coldSummary.baseline.wallMs, bare: coldSummary.bare.wallMs },
    // The recommended deployment: SENDGRID_API_KEY_SECRET_ARN, read from Secrets Manager at init.
    coldInitWithSecretWallMs: { project: coldSummary.projectSecret.wallMs, baseline: coldSummary.baseline.wallMs },
    peakRssWithSecretKiB: { project: coldSummary.projectSecret.maxRssKiB },
    coldInitReadyMs: { project: coldSummary.project.readyMs, baseline: coldSummary.baseline.readyMs, bare: coldSummary.bare.readyMs },
    coldInitImportMs: { project: coldSummary.project.importMs, baseline: coldSummary.baseline.importMs },
    coldInitCpuMs: { project: coldSummary.project.cpuMs, baseline: coldSummary.baseline.cpuMs, bare: coldSummary.bare.cpuMs },
    peakRssKiB: { project: coldSummary.project.maxRssKiB, baseline: coldSummary.baseline.maxRssKiB, bare: coldSummary.bare.maxRssKiB },
    warmPeakRssKiB: { project: warmReport.project.maxRssKiB, baseline: warmReport.baseline.maxRssKiB },
    firstCallMs: { project: median(first.project.map((s) => s.firstCallMs)), baseline: median(first.baseline.map((s) => s.firstCallMs)) },
    // Process start → first response, in the same fresh process: what the cold request waits for.
    coldRequestMs: {
      project: median(first.project.map((s) => s.readyMs + s.firstCallMs)),
      baseline: median(first.baseline.map((s) => s.readyMs + s.firstCallMs)),
    },
    warmCpuPerCallMs: {
      project: warmReport.project.cpuMs / warmReport.project.latencies.length,
      baseline: warmReport.baseline.cpuMs / warmReport.baseline.latencies.length,
    },
    warm: { project: warmSummary('project'), baseline: warmSummary('baseline') },
    warmRatio: { p50: warmRatio('p50'), p90: warmRatio('p90'), p99: warmRatio('p99') },
    connectionsDuringWarm,
    zipBytes: { project: zipBytes, baseline: baselineZipBytes },
    unzippedBytes: { project: unzippedBytes, baseline: baselineUnzippedBytes },
  };
  const ratio = (a: number, b: number) => a / b;
  const targets = {
    coldInit: { ratio: ratio(summary.coldInitWallMs.project, summary.coldInitWallMs.baseline), target: TARGETS.coldInit },
    peakRss: { ratio: ratio(summary.peakRssKiB.project, summary.peakRssKiB.baseline), target: TARGETS.peakRss },
    warmP50: { ratio: summary.warmRatio.p50.median, target: TARGETS.warmP50 },
    firstCall: { ratio: ratio(summary.firstCallMs.project, summary.firstCallMs.baseline), target: TARGETS.firstCall },
    zip: { bytes: zipBytes, budget: TARGETS.zipBytes },
  };
  const met = {
    coldInit: targets.coldInit.ratio <= targets.coldInit.target,
    peakRss: targets.peakRss.ratio <= targets.peakRss.target,
    warmP50: targets.warmP50.ratio <= targets.warmP50.target,
    firstCall: targets.firstCall.ratio <= targets.firstCall.target,
    zip: zipBytes <= TARGETS.zipBytes,
  };

  const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
  const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
  const kb = (bytes: number) => (bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(2)} MB` : `${(bytes / 1000).toFixed(1)} kB`);
  const row = (name: string, project: string, base: string, r: number | undefined | Spread, goal = '') =>
    `| ${name} | ${project} | ${base} | ${r === undefined ? '' : typeof r === 'number' ? `${r.toFixed(2)}×` : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`} | ${goal} |`;
  const msSpread = (v: Spread) => `${ms(v.median)} (${v.min.toFixed(2)}–${v.max.toFixed(2)})`;
    const warmLabel = `median of ${warmRoundStats.length} interleaved rounds of ${perRound} calls${warmUp > 0 ? ` after ${warmUp} warm-up calls` : ''} (min–max)`;
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lines = [
    '| metric | project | baseline | project / baseline | target |',
    '|---|---|---|---|---|',
    row('cold init, process wall (spawn → exit), median', ms(summary.coldInitWallMs.project), ms(summary.coldInitWallMs.baseline), targets.coldInit.ratio, `≤ ${TARGETS.coldInit}× ${mark(met.coldInit)}`),
    row('cold init with a Secrets Manager secret (SENDGRID_API_KEY_SECRET_ARN), wall', ms(summary.coldInitWithSecretWallMs.project), ms(summary.coldInitWithSecretWallMs.baseline), ratio(summary.coldInitWithSecretWallMs.project, summary.coldInitWithSecretWallMs.baseline)),
    row('cold init, time to module ready (since process start)', ms(summary.coldInitReadyMs.project), ms(summary.coldInitReadyMs.baseline), ratio(summary.coldInitReadyMs.project, summary.coldInitReadyMs.baseline)),
    row('cold init, module import only', ms(summary.coldInitImportMs.project), ms(summary.coldInitImportMs.baseline), ratio(summary.coldInitImportMs.project, summary.coldInitImportMs.baseline)),
    row('cold init, CPU time of the process', ms(summary.coldInitCpuMs.project), ms(summary.coldInitCpuMs.baseline), ratio(summary.coldInitCpuMs.project, summary.coldInitCpuMs.baseline)),
    row('peak RSS of the cold-init process', mib(summary.peakRssKiB.project), mib(summary.peakRssKiB.baseline), targets.peakRss.ratio, `≤ ${TARGETS.peakRss}× ${mark(met.peakRss)}`),
    row('first call after init, median', ms(summary.firstCallMs.project), ms(summary.firstCallMs.baseline), targets.firstCall.ratio, `≤ ${TARGETS.firstCall}× ${mark(met.firstCall)}`),
    row('cold request: process start → first call done, median', ms(summary.coldRequestMs.project), ms(summary.coldRequestMs.baseline), ratio(summary.coldRequestMs.project, summary.coldRequestMs.baseline)),
    row(`warm invocation p50, ${warmLabel}`, msSpread(summary.warm.project.p50), msSpread(summary.warm.baseline.p50), summary.warmRatio.p50, `≤ ${TARGETS.warmP50}× ${mark(met.warmP50)}`),
    row('warm invocation p90, same rounds', msSpread(summary.warm.project.p90), msSpread(summary.warm.baseline.p90), summary.warmRatio.p90),
    row('warm invocation p99, same rounds', msSpread(summary.warm.project.p99), msSpread(summary.warm.baseline.p99), summary.warmRatio.p99),
    row('warm CPU time per invocation (mean)', ms(summary.warmCpuPerCallMs.project), ms(summary.warmCpuPerCallMs.baseline), ratio(summary.warmCpuPerCallMs.project, summary.warmCpuPerCallMs.baseline)),
    row('peak RSS after the warm calls', mib(summary.warmPeakRssKiB.project), mib(summary.warmPeakRssKiB.baseline), ratio(summary.warmPeakRssKiB.project, summary.warmPeakRssKiB.baseline)),
    row('deployment zip', kb(zipBytes), kb(baselineZipBytes), ratio(zipBytes, baselineZipBytes), `≤ ${kb(TARGETS.zipBytes)} ${mark(met.zip)}`),
    row('unzipped', kb(unzippedBytes), kb(baselineUnzippedBytes), ratio(unzippedBytes, baselineUnzippedBytes)),
    row('bare `node` (reference): wall / RSS', ms(summary.coldInitWallMs.bare), mib(summary.peakRssKiB.bare), undefined),
  ];
  const table = [
    ...lines,
    '',
    `Secrets Manager reads (one per cold start with the secret): ${secretsManager.reads} for ${rounds} processes.`,
    `Connections opened during the ${2 * calls} warm calls of the two environments: KMS ${connectionsDuringWarm.kms}, SendGrid ${connectionsDuringWarm.sendgrid} (keep-alive: 2 each).`,
  ].join('\n');
  console.log(table);

  const gitCommit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const result = {
    command: 'npm run bench',
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgAtStart: loadAtStart, loadavgAtEnd: loadavg() },
    gitCommit,
    options: { rounds, calls, warmRounds, warmUp: Math.max(0, Number(options['warm-up'])) },
    baseline: { clientNode: baseline.clientNodeVersion, installScriptsSkipped: baseline.installScripts },
    coldInitMetric: 'process wall time, spawn → exit, of a fresh node loading the handler module (medians)',
    targets,
    met,
    summary,
    samples: { cold, first, warmRounds: warmRoundStats, warm: { project: warmReport.project.latencies, baseline: warmReport.baseline.latencies } },
    table,
  };
  mkdirSync(join(options.out, '..'), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${options.out}`);
} finally {
  await Promise.all([kms.close(), sendgrid.close(), secretsManager.close()]);
  rmSync(work, { recursive: true, force: true });
}
