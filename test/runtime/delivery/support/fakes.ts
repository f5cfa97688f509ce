/**
 * In-process stand-ins for the pure unit tests of delivery: scripted providers, a virtual clock
 * whose sleep advances time instantly, and sample messages. End-to-end tests use the loopback
 * servers in test/support instead.
 */
import { ProviderError } from '../../../../src/runtime/errors.ts';
import type { Delivered, Message, Provider, SendContext } from '../../../../src/runtime/providers/types.ts';
import { DELIVERY_DEFAULTS, type DeliveryPolicy } from '../../../../src/runtime/delivery/policy.ts';
import type { IdempotencyStore, RequestRecord } from '../../../../src/runtime/delivery/store.ts';

export type Step = Delivered | ProviderError | Error | ((ctx: SendContext) => Promise<Delivered>);

export interface ScriptedProvider extends Provider<Message> {
  calls: { at: number; ctx: SendContext; message: Message }[];
}

/** A provider answering from `steps` in order (the last one repeats); each call takes `tookMs` of virtual time. */
export function scriptedProvider(
  name: string,
  channel: 'email' | 'sms',
  steps: Step[],
  clock?: VirtualClock,
  tookMs = 0,
): ScriptedProvider {
  const queue = [...steps];
  const calls: ScriptedProvider['calls'] = [];
  return {
    name,
    channel,
    calls,
    async send(message, ctx) {
      calls.push({ at: clock?.now() ?? Date.now(), ctx, message });
      const step = (queue.length > 1 ? queue.shift() : queue[0]) as Step;
      if (clock) clock.advance(tookMs);
      if (typeof step === 'function') return step(ctx);
      if (step instanceof Error) throw step;
      return step;
    },
  };
}

export interface VirtualClock {
  now(): number;
  advance(ms: number): void;
  sleep(ms: number): Promise<void>;
  sleeps: number[];
}

export function virtualClock(start = 1_700_000_000_000): VirtualClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    async sleep(ms) {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

export const unavailable = (provider: string, extra: Partial<ConstructorParameters<typeof ProviderError>[0]> = {}) =>
  new ProviderError({ provider, kind: 'retryable', status: 503, providerMessage: 'Service Unavailable', ...extra });

export const rejected = (provider: string, status: number, providerMessage: string, hint?: string, options: { recipient?: boolean } = {}) =>
  new ProviderError({ provider, kind: 'permanent', status, providerMessage, hint, recipient: options.recipient });

/** The messages provider tests use: one sample, shared. */
export { sampleEmail as emailMessage, sampleSms as smsMessage } from '../../providers/messages.ts';

export const noHostedTemplates = { find: () => undefined };

/** A logger that keeps nothing: unit tests assert behaviour, not log lines. */
export const silentLogger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  appendKeys() {},
  removeKeys() {},
} as never;

/** The default policy (DELIVERY_DEFAULTS, no SMS limits), with the given values changed. */
export function testPolicy(
  overrides: Partial<Omit<DeliveryPolicy, 'breaker' | 'sms'>> & { breaker?: Partial<DeliveryPolicy['breaker']>; sms?: Partial<DeliveryPolicy['sms']> } = {},
): DeliveryPolicy {
  const d = DELIVERY_DEFAULTS;
  const { breaker, sms, ...rest } = overrides;
  return {
    maxAttempts: d.maxAttempts.default,
    attemptTimeoutMs: d.attemptTimeoutMs.default,
    unknownOutcomeResends: d.unknownOutcomeResends.default,
    ...rest,
    breaker: { threshold: d.breakerThreshold.default, cooldownMs: d.breakerCooldownMs.default, ...breaker },
    sms: { allowedCountries: undefined, maxPerNumberPerHour: undefined, ...sms },
  };
}

export type MemoryStore = IdempotencyStore & {
  records: Map<string, RequestRecord & { token: string }>;
  /** SMS counters by `<numberKey>#<hour>`. */
  counters: Map<string, number>;
};

/** An in-memory store with the same claim and counter rules as the DynamoDB one, for unit tests. */
export function memoryStore(overrides: Partial<IdempotencyStore> = {}): MemoryStore {
  const records = new Map<string, RequestRecord & { token: string }>();
  const counters = new Map<string, number>();
  const slot = (numberKey: string, now: number) => `${numberKey}#${Math.floor(now / 3_600_000)}`;
  let tokens = 0;
  const salt = new Uint8Array(32).fill(7);
  return {
    records,
    counters,
    async claim(key, { leaseUntil, now }) {
      const existing = records.get(key);
      if (existing && !(existing.status === 'IN_PROGRESS' && (existing.leaseUntil ?? 0) < now)) return { claimed: false, record: existing };
      const token = `t${++tokens}`;
      records.set(key, { status: 'IN_PROGRESS', leaseUntil, token });
      return { claimed: true, token };
    },
    async complete(key, token, delivered) {
      if (records.get(key)?.token === token) records.set(key, { status: 'COMPLETED', provider: delivered.provider, messageId: delivered.messageId, token });
    },
    async release(key, token) {
      if (records.get(key)?.token === token) records.delete(key);
    },
    async countSms(numberKey, max, { now }) {
      const count = counters.get(slot(numberKey, now)) ?? 0;
      if (count >= max) return { allowed: false };
      counters.set(slot(numberKey, now), count + 1);
      return { allowed: true };
    },
    async uncountSms(numberKey, { now }) {
      const count = counters.get(slot(numberKey, now)) ?? 0;
      if (count > 0) counters.set(slot(numberKey, now), count - 1);
    },
    async counterSalt() {
      return salt;
    },
    close() {},
    ...overrides,
  };
}
