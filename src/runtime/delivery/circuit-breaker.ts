/**
 * One circuit breaker per provider, kept for the life of a warm Lambda instance: after
 * `threshold` consecutive retryable failures the provider is skipped for `cooldownMs`, so users
 * don't wait on a provider that is down. After the cool-down it is half-open: the next call is a
 * trial, a success closes it, a failure opens it again straight away.
 *
 * Permanent failures (bad key, bad recipient) don't count: they say nothing about whether the
 * provider is up. The state is per instance on purpose: no shared store in the send path.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakers {
  state(provider: string): BreakerState;
  success(provider: string): void;
  /** Records a retryable failure; returns true when this failure opened the breaker. */
  failure(provider: string): boolean;
}

export function createCircuitBreakers(options: { threshold: number; cooldownMs: number; now: () => number }): CircuitBreakers {
  const entries = new Map<string, { failures: number; openedAt: number | undefined }>();
  const entry = (provider: string) => {
    let e = entries.get(provider);
    if (!e) {
      e = { failures: 0, openedAt: undefined };
      entries.set(provider, e);
    }
    return e;
  };

  function state(provider: string): BreakerState {
    const e = entries.get(provider);
    if (!e || e.openedAt === undefined) return 'closed';
    return options.now() - e.openedAt >= options.cooldownMs ? 'half-open' : 'open';
  }

  return {
    state,
    success(provider) {
      entries.set(provider, { failures: 0, openedAt: undefined });
    },
    failure(provider) {
      const wasHalfOpen = state(provider) === 'half-open';
      const e = entry(provider);
      e.failures += 1;
      if (wasHalfOpen || (e.openedAt === undefined && e.failures >= options.threshold)) {
        e.openedAt = options.now();
        return true;
      }
      return false;
    },
  };
}
