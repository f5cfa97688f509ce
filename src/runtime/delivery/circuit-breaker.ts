/**
 * One circuit breaker per provider, kept for the life of a warm Lambda instance: after
 * `threshold` consecutive failures (retryable, or no answer at all) the provider is skipped for
 * `cooldownMs`, so users don't wait on a provider that is down. After the cool-down it is
 * half-open: exactly one caller is admitted as the trial (`admit`); while that trial runs the
 * provider still counts as open for everyone else, so concurrent invocations don't all pile onto
 * a provider that may still be down. A success closes it, a failure opens it again straight away.
 *
 * Permanent failures (bad key, bad recipient) don't count: they say nothing about whether the
 * provider is up; they end a trial without a verdict (`Admission.done`). The state is per instance on
 * purpose: no shared store in the send path.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakers {
  /** `half-open` only while the trial is still free to take. */
  state(provider: string): BreakerState;
  /**
   * Asks to call the provider: admitted when it is closed, or half-open with no trial running
   * (the caller is then the trial). Undefined: skip it. The caller ends its turn with
   * `admission.done()`, which frees the trial if `success` or `failure` did not settle it.
   */
  admit(provider: string): Admission | undefined;
  success(provider: string): void;
  /** Records a failure (retryable, or no answer); returns true when this failure opened the breaker. */
  failure(provider: string): boolean;
}

export interface Admission {
  done(): void;
}

interface Entry {
  failures: number;
  openedAt: number | undefined;
  /** The admission holding the half-open trial. */
  trial: Admission | undefined;
}

export function createCircuitBreakers(options: { threshold: number; cooldownMs: number; now: () => number }): CircuitBreakers {
  const entries = new Map<string, Entry>();
  const entry = (provider: string): Entry => {
    let e = entries.get(provider);
    if (!e) {
      e = { failures: 0, openedAt: undefined, trial: undefined };
      entries.set(provider, e);
    }
    return e;
  };
  const cooledDown = (e: Entry) => e.openedAt !== undefined && options.now() - e.openedAt >= options.cooldownMs;

  function state(provider: string): BreakerState {
    const e = entries.get(provider);
    if (!e || e.openedAt === undefined) return 'closed';
    return cooledDown(e) && !e.trial ? 'half-open' : 'open';
  }

  return {
    state,
    admit(provider) {
      const current = state(provider);
      if (current === 'closed') return { done() {} };
      if (current === 'open') return undefined;
      const e = entry(provider);
      const trial: Admission = {
        done() {
          // Only its own trial: a later one may be running by now.
          if (e.trial === trial) e.trial = undefined;
        },
      };
      e.trial = trial;
      return trial;
    },
    success(provider) {
      entries.set(provider, { failures: 0, openedAt: undefined, trial: undefined });
    },
    failure(provider) {
      const e = entry(provider);
      e.failures += 1;
      if (cooledDown(e) || (e.openedAt === undefined && e.failures >= options.threshold)) {
        e.openedAt = options.now();
        e.trial = undefined;
        return true;
      }
      return false;
    },
  };
}
