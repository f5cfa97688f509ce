/**
 * What the relay really writes for a failed delivery: the EMF line of src/runtime/observability/metrics.ts,
 * so the alarms can be compared with it rather than with a copy of its dimension names.
 */
import { countOutcome, createEmfMetrics } from '../../src/runtime/observability/metrics.ts';

export interface EmfRollup {
  namespace: string;
  metricName: string;
  /** The channel × outcome roll-up dimension set, with the values of a failed delivery. */
  dimensions: Record<string, string>;
}

export function failedDeliveryRollup(channel: 'email' | 'sms'): EmfRollup {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ write: (line) => lines.push(line) });
  countOutcome(metrics, { trigger: 'SignUp', channel, provider: 'sendgrid', outcome: 'failed' });
  metrics.flush();
  const record = JSON.parse(lines[0]!) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const [directive] = record._aws.CloudWatchMetrics;
  // The roll-up is the set without trigger and provider: one alarm per channel, whatever they are.
  const rollup = directive!.Dimensions.find((set) => !set.includes('trigger') && !set.includes('provider'));
  if (!rollup) throw new Error('the relay writes no channel × outcome roll-up');
  return {
    namespace: directive!.Namespace,
    metricName: directive!.Metrics.find((m) => m.Name === 'Deliveries')!.Name,
    dimensions: Object.fromEntries(rollup.map((name) => [name, String(record[name])])),
  };
}
