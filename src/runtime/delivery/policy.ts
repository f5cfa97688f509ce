/**
 * The contract between the composition root and delivery: the delivery policy (built once by
 * `loadConfig` from the environment), the clock, and everything delivery is handed already built.
 * Delivery constructs nothing itself.
 */
import type { HostedTemplateLookup } from '../config/hosted-templates.ts';
import type { RelayLogger } from '../observability/logger.ts';
import type { MetricsSink } from '../observability/metrics.ts';
import type { EmailProvider, SmsProvider } from '../providers/types.ts';
import type { IdempotencyStore } from './store.ts';

export interface DeliveryPolicy {
  /** `MAX_ATTEMPTS`: attempts per provider for retryable failures. */
  maxAttempts: number;
  /**
   * `ATTEMPT_TIMEOUT_MS`: longest one provider call may take. An attempt cut after its request
   * was written has an *unknown* outcome (the provider may have accepted it).
   */
  attemptTimeoutMs: number;
  /**
   * `UNKNOWN_OUTCOME_RESENDS`: for a provider that takes no idempotency key, how many times per
   * invocation an attempt whose outcome is unknown (timed out after the request was written) is
   * sent again. Providers that dedupe on the key are retried like any retryable failure.
   */
  unknownOutcomeResends: number;
  breaker: {
    /** `CIRCUIT_BREAKER_THRESHOLD`: consecutive retryable failures that open a provider's breaker. */
    threshold: number;
    /** `CIRCUIT_BREAKER_COOLDOWN_MS`: how long an open provider is skipped. */
    cooldownMs: number;
  };
  sms: {
    /** `SMS_ALLOWED_COUNTRIES`: calling-code prefixes SMS may go to; undefined = no restriction. */
    allowedCountries: string[] | undefined;
    /** `SMS_MAX_PER_NUMBER_PER_HOUR`: needs the idempotency table. */
    maxPerNumberPerHour: number | undefined;
  };
}

/** Defaults and ranges of the policy; the config schema is built from these. */
export const DELIVERY_DEFAULTS = {
  maxAttempts: { default: 3, min: 1, max: 10 },
  /**
   * 10 s: an attempt cut too early is the expensive mistake — the provider may accept it anyway
   * and the resend is a second paid message — while a hung provider only delays a code that is
   * valid for minutes to hours. Providers accept a send in well under a second normally and a few
   * seconds when degraded; their own SDKs wait far longer (twilio-node: 30 s). 10 s covers the
   * slow tail and still leaves a 30 s function time for a resend or a failover.
   */
  attemptTimeoutMs: { default: 10_000, min: 100, max: 60_000 },
  unknownOutcomeResends: { default: 1, min: 0, max: 3 },
  breakerThreshold: { default: 3, min: 1, max: 100 },
  breakerCooldownMs: { default: 30_000, min: 1_000, max: 3_600_000 },
  smsMaxPerNumberPerHour: { min: 1, max: 10_000 },
} as const;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** What the composition root hands to `createDelivery`, all built. */
export interface DeliveryDeps {
  /** In failover order. */
  email: EmailProvider[];
  sms: SmsProvider[];
  policy: DeliveryPolicy;
  hostedTemplates: HostedTemplateLookup;
  /** Built by the composition root when `IDEMPOTENCY_TABLE` is set; undefined = no store. */
  store: IdempotencyStore | undefined;
  logger: RelayLogger;
  metrics: MetricsSink;
  clock: Clock;
}
