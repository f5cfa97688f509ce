/**
 * Delivery: hands a rendered message to the channel's providers so that a code is never lost
 * and never sent twice for the same Cognito request. It reads top to bottom:
 *
 *   SMS country check → deadline check → claim the request (idempotency.ts) →
 *   SMS per-number limit (sms-guard.ts) → providers in failover order (failover.ts), each with
 *   retries (retry.ts) → record COMPLETED, or release the claim and give back the SMS count
 *
 * Everything is handed in built (policy.ts `DeliveryDeps`); this constructs nothing. Providers
 * are driven only through the `Provider` interface, so this never knows which one it talks to.
 */
import { RelayError } from '../errors.ts';
import { maskRecipient } from '../observability/mask.ts';
import { countOutcome, recordLatency, type DeliveryOutcome } from '../observability/metrics.ts';
import type { Delivered, Message, Provider } from '../providers/types.ts';
import { createCircuitBreakers } from './circuit-breaker.ts';
import { sendThroughChain, type FailoverOptions } from './failover.ts';
import { createIdempotency } from './idempotency.ts';
import type { DeliveryDeps } from './policy.ts';
import { deadlineError } from './deadline.ts';
import { DEFAULT_BACKOFF, type DeliveryRun } from './retry.ts';
import { checkCountry, createSmsLimit, SmsBlockedError, type SmsCount } from './sms-guard.ts';


export interface DeliveryContext {
  /** Stable per Cognito request; passed to providers that take an idempotency key. */
  idempotencyKey: string;
  /** Epoch ms by which delivery must have finished (the invocation deadline less a margin). */
  deadline: number;
}

export interface DeliveryResult extends Delivered {
  /** True when this request had already been delivered: nothing was sent this time. */
  deduplicated: boolean;
  /** Provider calls made by this invocation. */
  attempts: number;
}

export interface Delivery {
  deliver(message: Message, ctx: DeliveryContext): Promise<DeliveryResult>;
  close(): Promise<void>;
}

/** Fixed timings that are not settings; tests shorten them, nothing else changes them. */
export interface DeliveryTuning {
  /** No attempt starts with less than this left before the deadline. */
  minAttemptMs: number;
  /** A Retry-After longer than this hands over to the next provider instead of waiting. */
  maxRetryWaitMs: number;
  /** How long a duplicate waits for an in-progress delivery to finish. */
  inProgressWaitMs: number;
  backoff: { baseMs: number; maxMs: number };
  /** The jitter source. */
  random: () => number;
}

const DEFAULT_TUNING: DeliveryTuning = {
  minAttemptMs: 500,
  maxRetryWaitMs: 10_000,
  inProgressWaitMs: 3_000,
  backoff: DEFAULT_BACKOFF,
  random: Math.random,
};

/**
 * @example
 * const delivery = createDelivery({ email, sms, policy, hostedTemplates, store, logger, metrics, clock: systemClock });
 * await delivery.deliver(message, { idempotencyKey, deadline: Date.now() + 10_000 });
 */
export function createDelivery(deps: DeliveryDeps, tuning: Partial<DeliveryTuning> = {}): Delivery {
  const { policy, logger, metrics, clock } = deps;
  const t = { ...DEFAULT_TUNING, ...tuning };
  const breakers = createCircuitBreakers({ threshold: policy.breaker.threshold, cooldownMs: policy.breaker.cooldownMs, now: clock.now });
  const idempotency = createIdempotency({ store: deps.store, logger, clock, inProgressWaitMs: t.inProgressWaitMs, minAttemptMs: t.minAttemptMs });
  const smsLimit = createSmsLimit({ store: deps.store, max: policy.sms.maxPerNumberPerHour, logger, clock });

  return {
    async deliver(message, ctx) {
      const started = clock.now();
      const run: DeliveryRun = { attempts: 0, failures: [], unknownResendsLeft: policy.unknownOutcomeResends, possiblySent: false, provider: 'none' };
      let outcome: DeliveryOutcome = 'failed';
      try {
        const chain = channelProviders(message);
        if (message.channel === 'sms') checkCountry(message.to, policy.sms.allowedCountries);
        // Checked before anything is written or sent: no half-done state when time is short.
        const remaining = ctx.deadline - clock.now();
        if (remaining < t.minAttemptMs) throw deadlineError(remaining, t.minAttemptMs, []);

        const claim = await idempotency.claim(ctx.idempotencyKey, ctx.deadline);
        if (claim.kind === 'completed') {
          outcome = 'deduplicated';
          run.provider = claim.record.provider ?? 'none';
          logger.info('already delivered: acknowledging the duplicate without sending', { provider: run.provider, messageId: claim.record.messageId });
          return { provider: run.provider, messageId: claim.record.messageId || undefined, deduplicated: true, attempts: 0 };
        }

        let smsCount: SmsCount | undefined;
        let delivered: Delivered;
        try {
          if (message.channel === 'sms') smsCount = await smsLimit.take(message.to, ctx.deadline);
          delivered = await sendThroughChain(chain, message, ctx, run, chainOptions(message));
        } catch (error) {
          // Nothing was accepted: Lambda's retry may send, and the user keeps their allowance —
          // unless a provider may have accepted it (unknown outcome): then it counts.
          if (!run.possiblySent) await smsCount?.giveBack(ctx.deadline);
          await idempotency.release(claim, ctx.idempotencyKey, ctx.deadline);
          throw error;
        }

        outcome = 'delivered';
        run.provider = delivered.provider;
        await idempotency.complete(claim, ctx.idempotencyKey, ctx.deadline, delivered);
        return { ...delivered, deduplicated: false, attempts: run.attempts };
      } catch (error) {
        if (error instanceof SmsBlockedError) {
          outcome = 'rejected';
          run.provider = 'none';
          logger.warn('SMS blocked', { reason: error.reason, recipient: maskRecipient('sms', message.to) });
        }
        throw error;
      } finally {
        const dimensions = { trigger: message.trigger, channel: message.channel, provider: run.provider, outcome };
        countOutcome(metrics, dimensions);
        recordLatency(metrics, clock.now() - started, dimensions);
        metrics.flush();
      }
    },

    async close() {
      await Promise.all([...deps.email, ...deps.sms].map(async (p) => p.close?.()));
      deps.store?.close();
    },
  };

  function channelProviders(message: Message): Provider<Message>[] {
    const chain = (message.channel === 'email' ? deps.email : deps.sms) as Provider<Message>[];
    if (chain.length === 0) {
      throw new RelayError(
        'CHANNEL_NOT_CONFIGURED',
        `received ${message.triggerSource} but no ${message.channel} provider is configured; set ${message.channel === 'email' ? 'EMAIL_PROVIDER' : 'SMS_PROVIDER'}`,
      );
    }
    return chain;
  }

  function chainOptions(message: Message): FailoverOptions {
    const count = (provider: string, outcome: DeliveryOutcome) =>
      countOutcome(metrics, { trigger: message.trigger, channel: message.channel, provider, outcome });
    return {
      maxAttempts: policy.maxAttempts,
      attemptTimeoutMs: policy.attemptTimeoutMs,
      minAttemptMs: t.minAttemptMs,
      maxRetryWaitMs: t.maxRetryWaitMs,
      backoff: { ...t.backoff, random: t.random },
      breakers,
      clock,
      logger,
      prepare: withHostedTemplate,
      onRetry: (provider) => count(provider, 'retried'),
      onFailover: (provider) => count(provider, 'failed_over'),
      onUnknownOutcome: (provider) => count(provider, 'unknown_outcome'),
    };
  }

  function withHostedTemplate(provider: Provider<Message>, message: Message): Message {
    const id = deps.hostedTemplates.find(provider.name, message.trigger, message.locale);
    return id ? { ...message, hostedTemplate: { id, variables: message.variables } } : message;
  }
}
