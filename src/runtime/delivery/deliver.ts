/**
 * Delivery: hands a rendered message to the channel's providers so that a code is never lost
 * and never sent twice for the same Cognito request.
 *
 *   SMS country check → deadline check → claim the request (idempotency table) →
 *   SMS per-number limit → providers in failover order, each with retries → record COMPLETED
 *
 * - Retries: only `retryable` ProviderErrors (network, timeouts, 408/425/429/5xx, provider codes
 *   such as Twilio 20429), up to `MAX_ATTEMPTS` per provider, full-jitter backoff, at least the
 *   wait the provider asked for. Each attempt has its own timeout (`ATTEMPT_TIMEOUT_MS`), and no
 *   attempt starts, no wait begins, unless it can end before the invocation's deadline.
 * - Failover: a provider that stays retryable-failed, or fails permanently for its own reasons
 *   (key, sender, account), hands over to the next; an error the provider marked as about the
 *   recipient stops (classify.ts).
 * - Circuit breaker: a provider that keeps failing is skipped for a cool-down in this warm
 *   instance; when every provider is open they are all tried anyway, in order.
 * - Idempotency (`IDEMPOTENCY_TABLE`): at most one delivery per Cognito request (see
 *   dynamodb-store.ts). If the table is unreachable we send anyway and log it: a duplicate
 *   code is better than a lost one.
 *
 * Providers are driven only through the `Provider` interface, so this never knows which one it
 * talks to.
 */
import { ProviderError, RelayError } from '../errors.ts';
import type { Env } from '../config/config.ts';
import type { HostedTemplateLookup } from '../config/hosted-templates.ts';
import type { Delivered, EmailProvider, Message, Provider, SmsProvider } from '../providers/types.ts';
import { createLogger, type RelayLogger } from '../observability/logger.ts';
import { maskRecipient } from '../observability/mask.ts';
import {
  countOutcome,
  createEmfMetrics,
  noMetrics,
  recordLatency,
  type DeliveryOutcome,
  type MetricsSink,
} from '../observability/metrics.ts';
import { asProviderError, isRecipientError } from './classify.ts';
import { createCircuitBreakers, type CircuitBreakers } from './circuit-breaker.ts';
import { DEFAULT_BACKOFF, retryDelay, sleep as realSleep } from './retry.ts';
import { loadDeliverySettings, type DeliverySettings } from './settings.ts';
import { checkCountry, phoneNumberKey, rateLimitError, SmsBlockedError } from './sms-guard.ts';
import type { IdempotencyStore, RequestRecord } from './store.ts';

export { SmsBlockedError } from './sms-guard.ts';

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

export interface DeliveryOptions {
  /** In failover order. */
  email: EmailProvider[];
  sms: SmsProvider[];
  hostedTemplates: HostedTemplateLookup;
  /** Delivery reads its own settings from the environment (settings.ts). */
  env?: Env | undefined;
  /** For the DynamoDB client. */
  region?: string | undefined;
  /** An idempotency store instead of the DynamoDB one `IDEMPOTENCY_TABLE` would create. */
  store?: IdempotencyStore | undefined;
  /** EMF on Lambda (when `AWS_LAMBDA_FUNCTION_NAME` is set), nothing elsewhere, unless given. */
  metrics?: MetricsSink | undefined;
  logger?: RelayLogger | undefined;
  /** Longest a single provider attempt may take; overrides `ATTEMPT_TIMEOUT_MS`. */
  attemptTimeoutMs?: number | undefined;
  /** No attempt starts with less than this left before the deadline (default 500 ms). */
  minAttemptMs?: number | undefined;
  /** A Retry-After longer than this hands over to the next provider instead of waiting (default 10 s). */
  maxRetryWaitMs?: number | undefined;
  /** How long a duplicate waits for an in-progress delivery to finish (default 3 s). */
  inProgressWaitMs?: number | undefined;
  backoff?: { baseMs: number; maxMs: number } | undefined;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** An IN_PROGRESS claim outlives the invocation by this much, so a crashed one is taken over later. */
const LEASE_GRACE_MS = 10_000;
const IN_PROGRESS_POLL_MS = 250;
/** Budget for one idempotency-table call. */
const STORE_TIMEOUT_MS = 2_000;

type Claim =
  | { kind: 'claimed'; token: string }
  | { kind: 'completed'; record: RequestRecord }
  | { kind: 'unprotected' };

/**
 * @example
 * const delivery = createDelivery({ email, sms, hostedTemplates, env: config.env, region: config.region });
 * await delivery.deliver(message, { idempotencyKey, deadline: Date.now() + 10_000 });
 */
export function createDelivery(options: DeliveryOptions): Delivery {
  const env = options.env ?? {};
  const settings: DeliverySettings = loadDeliverySettings(env);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? settings.attemptTimeoutMs;
  const minAttemptMs = options.minAttemptMs ?? 500;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 10_000;
  const inProgressWaitMs = options.inProgressWaitMs ?? 3_000;
  const backoff = { ...(options.backoff ?? DEFAULT_BACKOFF), random };
  const logger = options.logger ?? createLogger({ level: env.LOG_LEVEL });
  const metrics = options.metrics ?? (env.AWS_LAMBDA_FUNCTION_NAME ? createEmfMetrics({ serviceName: env.POWERTOOLS_SERVICE_NAME }) : noMetrics);
  const breakers: CircuitBreakers = createCircuitBreakers({
    threshold: settings.breakerThreshold,
    cooldownMs: settings.breakerCooldownMs,
    now,
  });

  // Loading starts now (cold start), so the first invocation doesn't wait for the SDK.
  const storeReady: Promise<IdempotencyStore | undefined> = options.store
    ? Promise.resolve(options.store)
    : settings.idempotencyTable
      ? import('./dynamodb-store.ts').then((m) =>
          m.createDynamoStore({
            table: settings.idempotencyTable as string,
            region: options.region,
            endpoint: env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL,
          }),
        )
      : Promise.resolve(undefined);
  // Surfaced on first use; never an unhandled rejection at cold start.
  storeReady.catch(() => {});

  function withTemplate<M extends Message>(provider: Provider<M>, message: M): M {
    const id = options.hostedTemplates.find(provider.name, message.trigger, message.locale);
    return id ? { ...message, hostedTemplate: { id, variables: message.variables } } : message;
  }

  function storeSignal(deadline: number): AbortSignal {
    return AbortSignal.timeout(Math.max(1, Math.min(STORE_TIMEOUT_MS, deadline - now())));
  }

  function deadlineError(remaining: number, failures: ProviderError[]): RelayError {
    const tried = failures.length > 0 ? `; last failure: ${(failures.at(-1) as ProviderError).message}` : '; nothing was sent';
    return new RelayError(
      'DEADLINE',
      `stopped before the function times out: ${Math.max(0, remaining)} ms left, an attempt needs at least ${minAttemptMs} ms${tried}. ` +
        'Lambda retries the event; raise the function timeout if this repeats',
      { cause: failures.at(-1) },
    );
  }

  /** Claims the request, waiting briefly for a concurrent duplicate to finish. */
  async function claim(store: IdempotencyStore, ctx: DeliveryContext): Promise<Claim> {
    const waitUntil = Math.min(now() + inProgressWaitMs, ctx.deadline - minAttemptMs);
    for (;;) {
      let result;
      try {
        result = await store.claim(ctx.idempotencyKey, {
          leaseUntil: ctx.deadline + LEASE_GRACE_MS,
          now: now(),
          signal: storeSignal(ctx.deadline),
        });
      } catch (error) {
        // Loud: a missing table or permission (ResourceNotFound, AccessDenied) lands here too.
        logger.error('idempotency table unavailable: sending without duplicate protection', {
          error: `${(error as Error).name}: ${(error as Error).message}`,
        });
        return { kind: 'unprotected' };
      }
      if (result.claimed) return { kind: 'claimed', token: result.token };
      if (result.record.status === 'COMPLETED') return { kind: 'completed', record: result.record };
      if (now() + IN_PROGRESS_POLL_MS > waitUntil) {
        throw new RelayError(
          'DELIVERY_IN_PROGRESS',
          'another invocation is delivering this same Cognito request right now; not sending a second copy. ' +
            'Lambda retries this event later and will find the outcome',
        );
      }
      await sleep(IN_PROGRESS_POLL_MS);
    }
  }

  async function sendThroughChain(
    chain: Provider<Message>[],
    message: Message,
    ctx: DeliveryContext,
    onProvider: (name: string) => void,
  ): Promise<DeliveryResult> {
    const dims = (provider: string, outcome: DeliveryOutcome) => ({
      trigger: message.trigger,
      channel: message.channel,
      provider,
      outcome,
    });
    const closed = chain.filter((p) => breakers.state(p.name) !== 'open');
    // Every breaker open: try them all anyway rather than drop the code.
    const candidates = closed.length > 0 ? closed : chain;
    if (candidates.length < chain.length) {
      logger.warn('skipping providers whose circuit breaker is open', {
        skipped: chain.filter((p) => !candidates.includes(p)).map((p) => p.name),
      });
    }

    const failures: ProviderError[] = [];
    let attempts = 0;
    for (const [index, provider] of candidates.entries()) {
      const next = candidates[index + 1];
      const prepared = withTemplate(provider, message);
      onProvider(provider.name);
      for (let attempt = 1; ; attempt += 1) {
        const remaining = ctx.deadline - now();
        if (remaining < minAttemptMs) throw deadlineError(remaining, failures);
        attempts += 1;
        try {
          const delivered = await provider.send(prepared, {
            signal: AbortSignal.timeout(Math.min(attemptTimeoutMs, remaining)),
            idempotencyKey: ctx.idempotencyKey,
          });
          breakers.success(provider.name);
          return { ...delivered, deduplicated: false, attempts };
        } catch (raw) {
          const error = asProviderError(provider.name, raw);
          failures.push(error);
          logger.warn('provider attempt failed', {
            provider: provider.name,
            attempt,
            kind: error.kind,
            status: error.status,
            // ProviderError masks any address or number the provider quoted.
            error: error.message,
          });
          if (error.kind === 'permanent') {
            if (isRecipientError(error)) throw error;
            break;
          }
          if (breakers.failure(provider.name)) {
            logger.warn('circuit breaker opened', { provider: provider.name, cooldownMs: settings.breakerCooldownMs });
          }
          if (attempt >= settings.maxAttempts) break;
          if (next && breakers.state(provider.name) === 'open') break;
          if (next && error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryWaitMs) break;
          const spare = ctx.deadline - now() - minAttemptMs;
          // A jittered wait is arbitrary and may shrink to fit; a wait the provider asked for may not.
          const delay =
            error.retryAfterMs === undefined
              ? Math.min(retryDelay(attempt, undefined, backoff), spare)
              : retryDelay(attempt, error.retryAfterMs, backoff);
          if (delay > spare || spare < 0) {
            if (next) break;
            throw deadlineError(ctx.deadline - now(), failures);
          }
          countOutcome(metrics, dims(provider.name, 'retried'));
          await sleep(delay);
        }
      }
      if (next) {
        countOutcome(metrics, dims(provider.name, 'failed_over'));
        logger.warn('failing over to the next provider', { from: provider.name, to: next.name });
      }
    }
    throw chainFailure(failures);
  }

  return {
    async deliver(message, ctx) {
      const started = now();
      let outcome: DeliveryOutcome = 'failed';
      let provider = 'none';
      try {
        const chain = (message.channel === 'email' ? options.email : options.sms) as Provider<Message>[];
        if (chain.length === 0) {
          throw new RelayError(
            'CHANNEL_NOT_CONFIGURED',
            `received ${message.triggerSource} but no ${message.channel} provider is configured; set ${message.channel === 'email' ? 'EMAIL_PROVIDER' : 'SMS_PROVIDER'}`,
          );
        }
        if (message.channel === 'sms') checkCountry(message.to, settings.smsAllowedCountries);
        // Checked before anything is written or sent: no half-done state when time is short.
        const remaining = ctx.deadline - now();
        if (remaining < minAttemptMs) throw deadlineError(remaining, []);

        const store = await storeReady.catch((error: unknown) => {
          logger.error('could not load the idempotency store: sending without duplicate protection', {
            error: (error as Error).message,
          });
          return undefined;
        });
        const claimed: Claim = store ? await claim(store, ctx) : { kind: 'unprotected' };
        if (claimed.kind === 'completed') {
          outcome = 'deduplicated';
          provider = claimed.record.provider ?? 'none';
          logger.info('already delivered: acknowledging the duplicate without sending', {
            provider,
            messageId: claimed.record.messageId,
          });
          return { provider, messageId: claimed.record.messageId || undefined, deduplicated: true, attempts: 0 };
        }

        let result: DeliveryResult;
        try {
          const max = settings.smsMaxPerNumberPerHour;
          if (message.channel === 'sms' && max !== undefined && store) {
            const counted = await store
              .countSms(phoneNumberKey(message.to), max, { now: now(), signal: storeSignal(ctx.deadline) })
              .catch((error: unknown) => {
                logger.error('SMS counter unavailable: sending without the per-number limit', {
                  error: `${(error as Error).name}: ${(error as Error).message}`,
                });
                return { allowed: true };
              });
            if (!counted.allowed) throw rateLimitError(message.to, max);
          }
          result = await sendThroughChain(chain, message, ctx, (name) => {
            provider = name;
          });
        } catch (error) {
          if (claimed.kind === 'claimed') {
            await (store as IdempotencyStore)
              .release(ctx.idempotencyKey, claimed.token, { signal: AbortSignal.timeout(STORE_TIMEOUT_MS) })
              .catch((releaseError: unknown) =>
                logger.error('could not release the idempotency record; a retry waits until its lease ends', {
                  error: (releaseError as Error).message,
                }),
              );
          }
          throw error;
        }

        outcome = 'delivered';
        provider = result.provider;
        if (claimed.kind === 'claimed') {
          // The provider accepted: failing now would make Lambda send it again. Log and go on.
          await (store as IdempotencyStore)
            .complete(ctx.idempotencyKey, claimed.token, result, { now: now(), signal: AbortSignal.timeout(STORE_TIMEOUT_MS) })
            .catch((error: unknown) =>
              logger.error('delivered, but could not record it; a duplicate event would be sent again', {
                error: (error as Error).message,
              }),
            );
        }
        return result;
      } catch (error) {
        if (error instanceof SmsBlockedError) {
          outcome = 'rejected';
          provider = 'none';
          logger.warn('SMS blocked', { reason: error.reason, recipient: maskRecipient('sms', message.to) });
        }
        throw error;
      } finally {
        const dimensions = { trigger: message.trigger, channel: message.channel, provider, outcome };
        countOutcome(metrics, dimensions);
        recordLatency(metrics, now() - started, dimensions);
        metrics.flush();
      }
    },
    async close() {
      await Promise.all([...options.email, ...options.sms].map((p) => p.close?.()));
      const store = await storeReady.catch(() => undefined);
      store?.close();
    },
  };
}

/** One provider: its own error, which already says what to fix. Several: all of them. */
function chainFailure(failures: ProviderError[]): RelayError {
  const last = failures.at(-1);
  if (!last) return new RelayError('DELIVERY_FAILED', 'no provider was tried');
  const providers = new Set(failures.map((f) => f.provider));
  if (providers.size === 1) return last;
  const lastPerProvider = [...providers].map((name) => failures.filter((f) => f.provider === name).at(-1) as ProviderError);
  return new RelayError(
    'DELIVERY_FAILED',
    `no provider accepted the message: ${lastPerProvider.map((f) => f.message).join('; ')}`,
    { cause: last },
  );
}
