// A warm Lambda environment: loads the handler once, times the first call, then runs the batches
// of invocations the parent asks for over IPC, so the parent can alternate project and baseline.
// argv: <side: project|baseline> <module path> <events JSON file>.
// Plain JavaScript on purpose: the child must not pay for tsx.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [side, target, eventsFile] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));

const importStart = performance.now();
let handler;
if (side === 'project') {
  ({ handler } = await import(target));
} else {
  const require = createRequire(target);
  ({ handler } = require(target));
  // The walkthrough's handler has no setting for it; point its SendGrid client at loopback.
  require('@sendgrid/mail').client.setDefaultRequest('baseUrl', process.env.SENDGRID_BASE_URL);
}
const ready = performance.now();
const readyRssKiB = process.resourceUsage().maxRSS;

let invocation = 0;
function context() {
  invocation += 1;
  const deadline = Date.now() + 30_000;
  return {
    awsRequestId: `bench-${side}-${invocation}`,
    functionName: 'cognito-relay-bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

async function invoke(event) {
  const started = performance.now();
  await handler(event, context());
  return performance.now() - started;
}

let firstCallMs;
let firstError;
try {
  firstCallMs = await invoke(events[0]);
} catch (error) {
  firstError = error instanceof Error ? error.message : String(error);
}
process.send({
  type: 'ready',
  side,
  readyMs: ready,
  importMs: ready - importStart,
  firstCallMs,
  error: firstError,
  readyRssKiB,
});

const latencies = [];
const cpuAfterFirstCall = process.cpuUsage();
process.on('message', async (message) => {
  if (message.type === 'run') {
    const batch = [];
    try {
      for (let i = 0; i < message.count; i += 1) {
        batch.push(await invoke(events[(message.offset + i) % events.length]));
      }
      latencies.push(...batch);
      process.send({ type: 'ran', latencies: batch });
    } catch (error) {
      process.send({ type: 'ran', error: error instanceof Error ? error.message : String(error) });
    }
  } else if (message.type === 'report') {
    const cpu = process.cpuUsage(cpuAfterFirstCall);
    process.send({ type: 'report', latencies, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
