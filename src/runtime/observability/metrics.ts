/**
 * Delivery metrics as CloudWatch Embedded Metric Format (EMF) through Powertools Metrics:
 * namespace `CognitoRelay`, metric `Deliveries` (Count) and `DeliveryLatency` (Milliseconds),
 * dimensions trigger × channel × provider × outcome, plus a channel × outcome roll-up so one
 * alarm ("any failed email") needs no list of triggers or providers.
 *
 * Delivery records data points into a `MetricsSink` and flushes once per invocation; tests
 * inject `recordingMetrics()` to assert what was emitted.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { stdoutLines } from './output.ts';

export const METRICS_NAMESPACE = 'CognitoRelay';

/**
 * - `delivered`: a provider accepted the message.
 * - `retried`: one more attempt at the same provider after a retryable failure.
 * - `failed_over`: a provider gave up and the next one in the chain takes over.
 * - `deduplicated`: the same Cognito request was already delivered; nothing sent.
 * - `rejected`: blocked by the SMS anti-pumping rules; nothing sent.
 * - `denied`: a `beforeSend` hook (library API) refused the message; nothing was sent.
 * - `failed`: the invocation ends without any provider accepting the message.
 * - `unknown_outcome`: an attempt got no answer after its request was written; the provider may
 *   have accepted it (a resend may be a duplicate).
 */
export type DeliveryOutcome = 'delivered' | 'retried' | 'failed_over' | 'deduplicated' | 'rejected' | 'failed' | 'unknown_outcome' | 'denied';

export interface DeliveryDimensions {
  /** Trigger name, e.g. `SignUp`. */
  trigger: string;
  channel: 'email' | 'sms';
  /** The provider concerned, or `none` when no provider was involved. */
  provider: string;
  outcome: DeliveryOutcome;
}

export interface MetricPoint {
  name: 'Deliveries' | 'DeliveryLatency';
  unit: 'Count' | 'Milliseconds';
  value: number;
  dimensions: DeliveryDimensions;
}

export interface MetricsSink {
  record(point: MetricPoint): void;
  /** Writes everything recorded since the last flush. Called once per invocation. */
  flush(): void;
}

/** Counts one occurrence of `dimensions.outcome`. */
export function countOutcome(sink: MetricsSink, dimensions: DeliveryDimensions): void {
  sink.record({ name: 'Deliveries', unit: 'Count', value: 1, dimensions });
}

export function recordLatency(sink: MetricsSink, ms: number, dimensions: DeliveryDimensions): void {
  sink.record({ name: 'DeliveryLatency', unit: 'Milliseconds', value: Math.max(0, Math.round(ms)), dimensions });
}

/** Records nothing: the CLI, the sandbox and tests that do not look at metrics. */
export const noMetrics: MetricsSink = { record() {}, flush() {} };

/**
 * Keeps points in memory; `flushed` holds every point that was flushed, in order.
 *
 * @example
 * const metrics = recordingMetrics();
 * // … deliver …
 * metrics.count({ outcome: 'delivered' }) // → 1
 */
export function recordingMetrics(): MetricsSink & {
  pending: MetricPoint[];
  flushed: MetricPoint[];
  flushes: number;
  count(match: Partial<DeliveryDimensions>): number;
} {
  const sink = {
    pending: [] as MetricPoint[],
    flushed: [] as MetricPoint[],
    flushes: 0,
    record(point: MetricPoint) {
      sink.pending.push(point);
    },
    flush() {
      sink.flushed.push(...sink.pending);
      sink.pending = [];
      sink.flushes += 1;
    },
    /** Sum of flushed `Deliveries` whose dimensions match every given value. */
    count(match: Partial<DeliveryDimensions>) {
      return sink.flushed
        .filter((p) => p.name === 'Deliveries')
        .filter((p) => Object.entries(match).every(([k, v]) => p.dimensions[k as keyof DeliveryDimensions] === v))
        .reduce((sum, p) => sum + p.value, 0);
    },
  };
  return sink;
}

/**
 * Powertools warns whenever two dimension sets share a key, which our roll-up set does on
 * purpose (EMF allows it: each set becomes its own CloudWatch metric). Other warnings pass.
 */
const ROLLUP_WARNING = /has already been added|is defined as both a dimension and dimension set/;
const quietAboutRollups = {
  trace() {},
  debug() {},
  info() {},
  warn(...args: unknown[]) {
    if (!ROLLUP_WARNING.test(String(args[0]))) console.warn(...args);
  },
  error(...args: unknown[]) {
    console.error(...args);
  },
};

export interface EmfOptions {
  namespace?: string;
  serviceName?: string;
  /**
   * Where each EMF JSON line goes. By default stdout (CloudWatch Logs on Lambda), queued with the
   * invocation's log lines and written with them in one write (output.ts).
   */
  write?: (line: string) => void;
}

/**
 * The production sink: one EMF line per distinct dimension combination at each flush.
 * Powertools keeps one dimension set per flush, so points are grouped first.
 *
 * @example
 * const delivery = createDelivery({ …, metrics: createEmfMetrics() });
 */
export function createEmfMetrics(options: EmfOptions = {}): MetricsSink {
  const metrics = new Metrics({
    namespace: options.namespace ?? METRICS_NAMESPACE,
    serviceName: options.serviceName || 'cognito-relay',
    logger: quietAboutRollups,
  });
  const write = options.write ?? stdoutLines.write;
  let pending: MetricPoint[] = [];

  return {
    record(point) {
      pending.push(point);
    },
    flush() {
      const groups = new Map<string, MetricPoint[]>();
      for (const point of pending) {
        const d = point.dimensions;
        const key = [d.trigger, d.channel, d.provider, d.outcome].join('\u0000');
        groups.set(key, [...(groups.get(key) ?? []), point]);
      }
      pending = [];
      for (const points of groups.values()) {
        const d = (points[0] as MetricPoint).dimensions;
        try {
          metrics.addDimension('trigger', d.trigger);
          metrics.addDimension('channel', d.channel);
          metrics.addDimension('provider', d.provider);
          metrics.addDimension('outcome', d.outcome);
          metrics.addDimensions({ channel: d.channel, outcome: d.outcome });
          for (const point of points) {
            metrics.addMetric(point.name, point.unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, point.value);
          }
          write(JSON.stringify(metrics.serializeMetrics()));
        } finally {
          metrics.clearMetrics();
          metrics.clearDimensions();
        }
      }
    },
  };
}

/**
 * A sink whose dimension values are scrubbed before they are recorded: dimensions are fixed
 * names today (trigger, channel, provider, outcome), and must stay free of codes and addresses
 * whatever a collaborator passes.
 */
export function scrubbingMetrics(sink: MetricsSink, scrub: (text: string) => string): MetricsSink {
  return {
    record(point) {
      const d = point.dimensions;
      sink.record({
        ...point,
        dimensions: { trigger: scrub(d.trigger), channel: d.channel, provider: scrub(d.provider), outcome: d.outcome },
      });
    },
    flush: () => sink.flush(),
  };
}
