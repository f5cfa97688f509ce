/**
 * Delivery settings from the environment, validated at cold start. Every problem is collected
 * and reported in one `ConfigError`, like the rest of the configuration.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | `MAX_ATTEMPTS` | 3 | attempts per provider for retryable failures (1–10) |
 * | `ATTEMPT_TIMEOUT_MS` | 5000 | longest one provider call may take (100–60000) |
 * | `CIRCUIT_BREAKER_THRESHOLD` | 3 | consecutive retryable failures that open a provider's breaker (1–100) |
 * | `CIRCUIT_BREAKER_COOLDOWN_MS` | 30000 | how long an open provider is skipped (1000–3600000) |
 * | `SMS_ALLOWED_COUNTRIES` | (all) | country calling codes SMS may go to, e.g. `1,44,33` |
 * | `SMS_MAX_PER_NUMBER_PER_HOUR` | (none) | SMS per phone number per clock hour; needs `IDEMPOTENCY_TABLE` |
 */
import { ConfigError } from '../errors.ts';
import type { Env } from '../config/config.ts';
import { parseAllowedCountries } from './calling-codes.ts';

export interface DeliverySettings {
  maxAttempts: number;
  attemptTimeoutMs: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  /** Calling-code prefixes SMS may go to; undefined = no restriction. */
  smsAllowedCountries: string[] | undefined;
  smsMaxPerNumberPerHour: number | undefined;
  idempotencyTable: string | undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number;
function integer(env: Env, name: string, fallback: undefined, min: number, max: number, problems: string[]): number | undefined;
function integer(env: Env, name: string, fallback: number | undefined, min: number, max: number, problems: string[]): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

/**
 * @example
 * const settings = loadDeliverySettings(config.env); // throws ConfigError listing every problem
 */
export function loadDeliverySettings(env: Env): DeliverySettings {
  const problems: string[] = [];
  const idempotencyTable = env.IDEMPOTENCY_TABLE?.trim() || undefined;
  const settings: DeliverySettings = {
    maxAttempts: integer(env, 'MAX_ATTEMPTS', 3, 1, 10, problems),
    attemptTimeoutMs: integer(env, 'ATTEMPT_TIMEOUT_MS', 5_000, 100, 60_000, problems),
    breakerThreshold: integer(env, 'CIRCUIT_BREAKER_THRESHOLD', 3, 1, 100, problems),
    breakerCooldownMs: integer(env, 'CIRCUIT_BREAKER_COOLDOWN_MS', 30_000, 1_000, 3_600_000, problems),
    smsAllowedCountries: undefined,
    smsMaxPerNumberPerHour: integer(env, 'SMS_MAX_PER_NUMBER_PER_HOUR', undefined, 1, 10_000, problems),
    idempotencyTable,
  };
  const countries = env.SMS_ALLOWED_COUNTRIES?.trim();
  if (countries) {
    const parsed = parseAllowedCountries(countries);
    problems.push(...parsed.problems.map((p) => `SMS_ALLOWED_COUNTRIES: ${p}`));
    settings.smsAllowedCountries = parsed.prefixes;
  }
  if (settings.smsMaxPerNumberPerHour !== undefined && !idempotencyTable) {
    problems.push('SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE: the per-number counters live in that DynamoDB table');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
