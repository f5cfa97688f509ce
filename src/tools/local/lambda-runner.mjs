// Runs the shipped Lambda bundle the way Lambda's Node.js runtime does, in its own process:
// import `index.mjs` once (the INIT phase, top-level await included), then handle one event at
// a time. Plain JavaScript on purpose: this process loads nothing but the bundle, like Lambda.
//
// Protocol with src/tools/local/lambda-process.ts:
//   stdin   one JSON line per invocation: { "id": "<request id>", "event": { … } }
//   stdout  the handler's own output (Powertools JSON log lines, EMF metrics) untouched, plus
//           control lines starting with \x1e: { type: 'init' | 'result', … }. They share one
//           stream so a result is always read after the log lines written before it.
//
// Usage: node lambda-runner.mjs <path to index.mjs> <timeout ms>
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const CONTROL = '\u001ecognito-relay-sandbox ';
const [bundlePath, timeoutArgument] = process.argv.slice(2);
const timeoutMs = Number(timeoutArgument) || 30_000;

function control(message) {
  process.stdout.write(`${CONTROL}${JSON.stringify(message)}\n`);
}

function describe(error) {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(typeof error.code === 'string' ? { code: error.code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

let handler;
let initError;
const initStarted = performance.now();
try {
  const module = await import(pathToFileURL(bundlePath).href);
  handler = module.handler;
  if (typeof handler !== 'function') {
    initError = { name: 'Runtime.HandlerNotFound', message: 'index.handler is undefined or not exported' };
  }
} catch (error) {
  initError = { ...describe(error), name: `Runtime.ImportModuleError: ${describe(error).name}` };
}
control({ type: 'init', initMs: performance.now() - initStarted, ...(initError ? { error: initError } : {}) });

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'cognito-relay-sandbox';
const region = process.env.AWS_REGION ?? 'eu-west-1';

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (!line.trim()) continue;
  const { id, event } = JSON.parse(line);
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: id,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:111122223333:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let outcome;
  try {
    if (initError) throw Object.assign(new Error(initError.message), { name: initError.name });
    await handler(event, context);
    outcome = { ok: true };
  } catch (error) {
    outcome = { ok: false, error: describe(error) };
  }
  control({
    type: 'result',
    id,
    durationMs: performance.now() - started,
    maxMemoryMb: Math.round(process.memoryUsage.rss() / (1024 * 1024)),
    ...outcome,
  });
}
