/**
 * In-process stand-ins for the pure unit tests of delivery: scripted providers, a virtual clock
 * whose sleep advances time instantly, and sample messages. End-to-end tests use the loopback
 * servers in test/support instead.
 */
import { ProviderError } from '../../../../src/runtime/errors.ts';
import type { Delivered, Message, Provider, SendContext } from '../../../../src/runtime/providers/types.ts';

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
