/**
 * Failover with the circuit breaker: the channel's providers in order, each with its retries
 * (retry.ts), until one accepts.
 *
 * - A provider that stays retryable-failed, fails permanently for its own reasons (key, sender,
 *   account), or gave no answer (an unknown outcome, when it takes no idempotency key) hands over
 *   to the next. After an unknown outcome the next provider is still tried: a possible second
 *   copy of a code is better than none, and a different provider is the likeliest to answer.
 *   An error the provider marked as about the recipient stops the chain (classify.ts).
 * - Circuit breaker (circuit-breaker.ts): a provider that keeps failing is skipped for a
 *   cool-down in this warm instance, and after it only one invocation at a time tries it. When
 *   every provider is open they are all tried anyway, in order: a code is never dropped because
 *   of the breaker.
 */
import { ProviderError, RelayError } from '../errors.ts';
import type { Delivered, Message, Provider } from '../providers/types.ts';
import { sendWithRetries, type DeliveryRun, type RetryOptions } from './retry.ts';

export interface FailoverOptions extends RetryOptions {
  /** The message as this provider sends it (e.g. with its hosted template). */
  prepare(provider: Provider<Message>, message: Message): Message;
  /** `from` gave up and the next provider takes over. */
  onFailover(from: string): void;
}

/** Resolves with the first acceptance; otherwise throws what stopped the chain (chainFailure). */
export async function sendThroughChain(
  chain: Provider<Message>[],
  message: Message,
  ctx: { idempotencyKey: string; deadline: number },
  run: DeliveryRun,
  options: FailoverOptions,
  /** Call every provider whatever its breaker says. */
  force = false,
): Promise<Delivered> {
  const { breakers, logger } = options;
  const available = force ? chain : chain.filter((p) => breakers.state(p.name) !== 'open');
  // Every breaker open: try them all anyway rather than drop the code.
  const forced = force || available.length === 0;
  const candidates = forced ? chain : available;
  if (candidates.length < chain.length) {
    logger.warn('skipping providers whose circuit breaker is open', {
      skipped: chain.filter((p) => !candidates.includes(p)).map((p) => p.name),
    });
  }

  const skipped: Provider<Message>[] = [];
  for (const [index, provider] of candidates.entries()) {
    // Another invocation may have taken the half-open trial since the list was made.
    const admission = forced ? undefined : breakers.admit(provider.name);
    if (!forced && !admission) {
      skipped.push(provider);
      continue;
    }
    let delivered: Delivered | undefined;
    try {
      delivered = await sendWithRetries(provider, options.prepare(provider, message), ctx, run, index < candidates.length - 1, options);
    } finally {
      admission?.done();
    }
    if (delivered) return delivered;
    const next = candidates[index + 1];
    if (next) {
      options.onFailover(provider.name);
      logger.warn('failing over to the next provider', { from: provider.name, to: next.name });
    }
  }
  if (run.attempts === 0 && skipped.length > 0) {
    // Every trial was taken by other invocations: nothing else left, so try anyway.
    return sendThroughChain(skipped, message, ctx, run, options, true);
  }
  throw chainFailure(run.failures);
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
