/**
 * One invocation of the relay inside this process (from the sources, templates read from disk),
 * with its log lines kept in memory instead of printed. `cognito-relay simulate` and `send-test`
 * use it; the sandbox runs the shipped bundle in its own process instead (lambda-process.ts).
 *
 * @example
 * const run = await invokeInProcess(env, event, { decryptor: stack.decryptor() });
 * if (!run.ok) console.error(run.error.message);
 */
import { performance } from 'node:perf_hooks';
import { bootstrap, type BootstrapOptions } from '../../runtime/core/bootstrap.ts';
import type { RelayResult } from '../../runtime/core/relay.ts';
import type { RelayLogger } from '../../runtime/observability/logger.ts';
import { noMetrics } from '../../runtime/observability/metrics.ts';
import type { Env } from './local-stack.ts';

export interface MemoryLogLine {
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

/** A `RelayLogger` that keeps lines in memory, with the keys appended at the time. */
export function memoryLogger(): RelayLogger & { lines: MemoryLogLine[] } {
  const lines: MemoryLogLine[] = [];
  let keys: Record<string, unknown> = {};
  const log =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      const attributes = rest.find((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) ?? {};
      lines.push({ level, message: String(message), attributes: { ...keys, ...attributes } });
    };
  const logger = {
    lines,
    info: log('INFO'),
    warn: log('WARN'),
    error: log('ERROR'),
    debug: log('DEBUG'),
    appendKeys(more: Record<string, unknown>) {
      keys = { ...keys, ...more };
    },
    removeKeys(names: string[]) {
      keys = Object.fromEntries(Object.entries(keys).filter(([key]) => !names.includes(key)));
    },
  };
  return logger as unknown as RelayLogger & { lines: MemoryLogLine[] };
}

export interface InProcessRun {
  ok: boolean;
  result?: RelayResult;
  error?: { name: string; message: string; code?: string };
  logs: MemoryLogLine[];
  durationMs: number;
}

function describe(error: unknown): { name: string; message: string; code?: string } {
  const e = error as { name?: string; message?: string; code?: unknown };
  return { name: e.name ?? 'Error', message: e.message ?? String(error), ...(typeof e.code === 'string' ? { code: e.code } : {}) };
}

/** Bootstraps the relay from `env` (a bad configuration is a failed run) and handles `event` once. */
export async function invokeInProcess(env: Env, event: unknown, options: Omit<BootstrapOptions, 'logger'> = {}): Promise<InProcessRun> {
  const logger = memoryLogger();
  const started = performance.now();
  let built;
  try {
    // Metrics are for CloudWatch; here they would only clutter the command's output.
    built = await bootstrap(env, { metrics: noMetrics, ...options, logger });
  } catch (error) {
    return { ok: false, error: describe(error), logs: logger.lines, durationMs: performance.now() - started };
  }
  try {
    const result = await built.relay.handle(event);
    return { ok: true, result, logs: logger.lines, durationMs: performance.now() - started };
  } catch (error) {
    return { ok: false, error: describe(error), logs: logger.lines, durationMs: performance.now() - started };
  } finally {
    await built.close();
  }
}
