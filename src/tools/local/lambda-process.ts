/**
 * The shipped bundle (`dist/lambda/index.mjs`) running as a long-lived child process, the way a
 * Lambda execution environment runs it: imported once with the function's environment (cold
 * start, INIT), then warm invocations one at a time. Every invocation comes back with the
 * handler's own stdout lines (Powertools JSON logs, EMF metrics), its error if it threw, and
 * Lambda-style timings (init, duration, max memory).
 *
 * The bundle reads `process.env` once, at import; a new environment or a rebuilt bundle needs a
 * new process: `restart()`.
 *
 * @example
 * const lambda = startLambdaProcess({ bundle: 'dist/lambda/index.mjs', env });
 * const outcome = await lambda.invoke(event);   // cold: outcome.initMs is set
 * const again = await lambda.invoke(event2);    // warm
 * await lambda.close();
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));
const CONTROL = '\u001ecognito-relay-sandbox ';
/** Extra time allowed for the INIT phase on a cold start (Lambda gives init its own 10 s). */
const INIT_ALLOWANCE_MS = 10_000;
const STDERR_TAIL_CHARS = 4_000;
/** How long stderr lines written just before a result may lag behind it (separate pipes). */
const STDERR_SETTLE_MS = 10;
/** Time for a result written right at the deadline to cross the pipe. */
const TIMEOUT_GRACE_MS = 50;

export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** When the sandbox read the line (ISO). */
  at: string;
  /** Milliseconds since the invocation (or the cold start) began. */
  offsetMs: number;
  text: string;
  /** The parsed JSON, when the line is a JSON object (Powertools log lines, EMF metrics). */
  json?: Record<string, unknown>;
  /** From the JSON `level` (Powertools), else `stderr` lines are `WARN`, other text `INFO`. */
  level: string;
  /** `log`, or `metrics` for CloudWatch Embedded Metric Format lines. */
  kind: 'log' | 'metrics';
  /** Whether it was written during the INIT phase of this invocation's cold start. */
  init: boolean;
}

export interface InvocationError {
  name: string;
  message: string;
  code?: string;
}

export interface InvocationOutcome {
  requestId: string;
  ok: boolean;
  error?: InvocationError;
  /** True when this invocation started a fresh process (and so paid the INIT phase). */
  coldStart: boolean;
  /** INIT duration (import + top-level await), on cold starts only. */
  initMs?: number;
  /** Handler duration measured inside the function process, like Lambda's `Duration`. */
  durationMs: number;
  /** From the request to the answer, as the caller waited (includes INIT on a cold start). */
  wallMs: number;
  /** Resident memory of the function process after the call, like Lambda's `Max Memory Used`. */
  maxMemoryMb?: number;
  logs: LogLine[];
}

export type LambdaState = 'stopped' | 'starting' | 'idle' | 'busy';

export interface LambdaProcessOptions {
  /** Path to the bundle's `index.mjs`. */
  bundle: string;
  /** The function's environment (nothing else of this process's environment is passed). */
  env: Record<string, string | undefined>;
  /** The function timeout. Default 30 s. */
  timeoutMs?: number;
  /** The node binary. Default: this one. */
  nodePath?: string;
}

export interface LambdaProcess {
  invoke(event: unknown): Promise<InvocationOutcome>;
  /** Stops the process (after the current invocation); the next invocation is a cold start. */
  restart(env?: Record<string, string | undefined>): Promise<void>;
  readonly state: LambdaState;
  /** Invocations served by the current process (0 after a restart). */
  readonly warmInvocations: number;
  close(): Promise<void>;
}

interface Control {
  type: 'init' | 'result';
  id?: string;
  initMs?: number;
  durationMs?: number;
  maxMemoryMb?: number;
  ok?: boolean;
  error?: InvocationError;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the INIT report, or rejects when the process dies first. */
  init: Promise<Control>;
  initLogs: LogLine[];
  initConsumed: boolean;
  /** Lines go here while an invocation runs. */
  current: { logs: LogLine[]; startedAt: number; onControl(control: Control): void; onExit(code: number | null, signal: string | null): void } | undefined;
  stderrTail: string;
  exited: Promise<void>;
  startedAt: number;
  invocations: number;
}

function toLogLine(stream: 'stdout' | 'stderr', text: string, startedAt: number, init: boolean): LogLine {
  let json: Record<string, unknown> | undefined;
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      // not JSON: kept as text
    }
  }
  const isMetrics = json !== undefined && typeof json['_aws'] === 'object';
  const level = typeof json?.['level'] === 'string' ? (json['level'] as string).toUpperCase() : stream === 'stderr' ? 'WARN' : 'INFO';
  return {
    stream,
    at: new Date().toISOString(),
    offsetMs: Math.max(0, Date.now() - startedAt),
    text,
    ...(json ? { json } : {}),
    level: isMetrics ? 'METRICS' : level,
    kind: isMetrics ? 'metrics' : 'log',
    init,
  };
}

/** Splits a stream into lines and hands each chunk's complete lines to `onLines`. */
function lines(stream: NodeJS.ReadableStream, onLines: (lines: string[]) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    if (complete.length > 0) onLines(complete.map((line) => line.replace(/\r$/, '')));
  });
  stream.on('end', () => {
    if (buffered) onLines([buffered]);
    buffered = '';
  });
}

export function startLambdaProcess(options: LambdaProcessOptions): LambdaProcess {
  let env = options.env;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let running: Running | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let state: LambdaState = 'stopped';
  let closed = false;

  function spawnProcess(): Running {
    const child = spawn(options.nodePath ?? process.execPath, [RUNNER, options.bundle, String(timeoutMs)], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let resolveInit!: (control: Control) => void;
    let rejectInit!: (error: Error) => void;
    const proc: Running = {
      child,
      init: new Promise<Control>((resolve, reject) => {
        resolveInit = resolve;
        rejectInit = reject;
      }),
      initLogs: [],
      initConsumed: false,
      current: undefined,
      stderrTail: '',
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
      startedAt: Date.now(),
      invocations: 0,
    };
    // Unhandled if nobody is waiting for the init any more (process killed while idle).
    proc.init.catch(() => undefined);

    const record = (stream: 'stdout' | 'stderr', text: string) => {
      if (!text.trim()) return;
      if (proc.current) proc.current.logs.push(toLogLine(stream, text, proc.current.startedAt, false));
      // Before the first call: INIT output. Between calls (a late stderr line, a timer firing in
      // the handler's module): kept for the next call, as Lambda's log stream would show it.
      else proc.initLogs.push(toLogLine(stream, text, proc.startedAt, !proc.initConsumed));
    };
    lines(child.stdout, (chunk) => {
      for (const text of chunk) {
        if (text.startsWith(CONTROL)) {
          const control = JSON.parse(text.slice(CONTROL.length)) as Control;
          if (control.type === 'init') resolveInit(control);
          else proc.current?.onControl(control);
        } else {
          record('stdout', text);
        }
      }
    });
    // A warning on stderr spans several lines written at once: keep it one entry.
    lines(child.stderr, (chunk) => {
      const text = chunk.join('\n');
      proc.stderrTail = (proc.stderrTail + text + '\n').slice(-STDERR_TAIL_CHARS);
      record('stderr', text);
    });
    child.on('error', (error) => rejectInit(error));
    child.once('exit', (code, signal) => {
      rejectInit(new Error(`the function process exited during INIT (${signal ?? `code ${code}`})${proc.stderrTail ? `:\n${proc.stderrTail.trim()}` : ''}`));
      proc.current?.onExit(code, signal);
      if (running === proc) {
        running = undefined;
        state = 'stopped';
      }
    });
    // A broken pipe on a dead child is reported through 'exit'; keep it from crashing us.
    child.stdin.on('error', () => undefined);
    return proc;
  }

  async function stop(proc: Running | undefined): Promise<void> {
    if (!proc) return;
    if (running === proc) running = undefined;
    state = 'stopped';
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      // The bundle keeps a pooled SMTP connection open (as on Lambda, where the process is frozen,
      // not ended): the process never exits by itself.
      proc.child.kill('SIGTERM');
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 2_000);
      await proc.exited;
      clearTimeout(killer);
    }
  }

  async function invokeNow(event: unknown): Promise<InvocationOutcome> {
    if (closed) throw new Error('the function process is closed');
    const requestId = randomUUID();
    const requested = Date.now();
    const coldStart = running === undefined;
    if (!running) {
      state = 'starting';
      running = spawnProcess();
    }
    const proc = running;
    const logs: LogLine[] = [];
    let initMs: number | undefined;

    const fail = (name: string, message: string): InvocationOutcome => ({
      requestId,
      ok: false,
      error: { name, message },
      coldStart,
      ...(initMs === undefined ? {} : { initMs }),
      durationMs: 0,
      wallMs: Date.now() - requested,
      logs,
    });

    let initTimer: NodeJS.Timeout | undefined;
    try {
      const init = await Promise.race([
        proc.init,
        new Promise<never>((_, reject) => {
          initTimer = setTimeout(() => reject(new Error(`INIT did not finish within ${INIT_ALLOWANCE_MS / 1000} s`)), INIT_ALLOWANCE_MS);
        }),
      ]);
      if (coldStart) initMs = init.initMs;
    } catch (error) {
      logs.push(...proc.initLogs);
      await stop(proc);
      return fail('Runtime.InitError', (error as Error).message);
    } finally {
      clearTimeout(initTimer);
    }
    // INIT output belongs to the first invocation, as in Lambda's log stream; output written
    // between invocations to the next one.
    logs.push(...proc.initLogs.splice(0));
    proc.initConsumed = true;

    state = 'busy';
    const startedAt = Date.now();
    const outcome = await new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        proc.current = undefined;
        resolve(fail('Sandbox.Timeout', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`));
        void stop(proc);
      }, timeoutMs + TIMEOUT_GRACE_MS);
      proc.current = {
        logs,
        startedAt,
        onControl(control) {
          if (control.type !== 'result' || control.id !== requestId) return;
          clearTimeout(timer);
          const outcome: InvocationOutcome = {
            requestId,
            ok: control.ok === true,
            ...(control.error ? { error: control.error } : {}),
            coldStart,
            ...(initMs === undefined ? {} : { initMs }),
            durationMs: control.durationMs ?? Date.now() - startedAt,
            wallMs: Date.now() - requested,
            ...(control.maxMemoryMb === undefined ? {} : { maxMemoryMb: control.maxMemoryMb }),
            logs,
          };
          // stderr is another pipe: give lines written just before the result time to arrive.
          setTimeout(() => {
            if (proc.current?.logs === logs) proc.current = undefined;
            resolve(outcome);
          }, STDERR_SETTLE_MS);
        },
        onExit(code, signal) {
          clearTimeout(timer);
          proc.current = undefined;
          const tail = proc.stderrTail.trim();
          resolve(fail('Runtime.ExitError', `the function process exited during the invocation (${signal ?? `code ${code}`})${tail ? `: ${tail.split('\n').slice(-5).join(' ')}` : ''}`));
        },
      };
      proc.child.stdin.write(`${JSON.stringify({ id: requestId, event })}\n`);
    });
    proc.invocations += 1;
    if (running === proc) state = 'idle';
    return outcome;
  }

  return {
    invoke(event) {
      const next = queue.then(() => invokeNow(event));
      queue = next.catch(() => undefined);
      return next;
    },
    restart(newEnv) {
      const next = queue.then(async () => {
        if (newEnv) env = newEnv;
        await stop(running);
      });
      queue = next.catch(() => undefined);
      return next;
    },
    get state() {
      return state;
    },
    get warmInvocations() {
      return running?.invocations ?? 0;
    },
    async close() {
      closed = true;
      await stop(running);
    },
  };
}
