/**
 * Builds a ready relay from the environment: config, decryptor, templates, providers,
 * delivery. Called once per cold start by the Lambda handler, and by the CLI and the sandbox
 * with overrides (their own fetch, template folder, logger).
 */
import { loadConfig, type Env, type SecretReader, type ConfiguredProvider } from '../config/config.ts';
import { loadHostedTemplates } from '../config/hosted-templates.ts';
import { checkLinkBaseUrl, providerTemplatesJson } from '../templates/index.ts';
import { hostedTemplateIdRules } from '../providers/registry.ts';
import { createDecryptor } from '../crypto/decrypt.ts';
import { createUserLookup, type UserLookup } from '../cognito/recipient.ts';
import { createDelivery } from '../delivery/deliver.ts';
import { DELIVERY_DEFAULTS, systemClock, type DeliveryPolicy } from '../delivery/policy.ts';
import { parseAllowedCountries } from '../delivery/calling-codes.ts';
import { createLogger, type RelayLogger } from '../observability/logger.ts';
import { createEmfMetrics, noMetrics, type MetricsSink } from '../observability/metrics.ts';
import type { EmailProvider, ProviderDeps, SmsProvider } from '../providers/types.ts';
import type { FetchLike } from '../providers/http.ts';
import { nodeTransport } from '../providers/transport.ts';
import { TRIGGERS } from '../cognito/triggers.ts';
import { ConfigError } from '../errors.ts';
import { createRelay, type Decryptor, type Relay, type Renderer } from './relay.ts';
import { createTemplateRenderer } from './renderer.ts';
import type { RelayConfig } from '../config/config.ts';
import type { TemplateStore } from '../templates/store.ts';

export interface BootstrapOptions {
  readSecret?: SecretReader;
  /** The providers' HTTP client; `nodeTransport` (node:https, keep-alive) unless given. */
  fetch?: FetchLike;
  logger?: RelayLogger;
  decryptor?: Decryptor;
  lookupUser?: UserLookup;
  /** Templates from disk (sandbox, CLI) instead of the ones embedded at build time. */
  templateStore?: TemplateStore;
  renderer?: Renderer;
  /** Where delivery metrics go; EMF on Lambda by default, nothing elsewhere. */
  metrics?: MetricsSink;
}

export interface Bootstrapped {
  relay: Relay;
  config: RelayConfig;
  renderer: Renderer;
  /**
   * Init-phase warm-up, once per cold start (the Lambda handler awaits it at init): moves
   * first-use costs out of the first invocation. Never throws; skipping it changes no result.
   */
  prime(): Promise<void>;
  close(): Promise<void>;
}

function createProviders<P>(configured: ConfiguredProvider[], deps: ProviderDeps): P[] {
  return configured.map((c) => c.definition.create(c.settings, deps) as P);
}

export async function bootstrap(env: Env, options: BootstrapOptions = {}): Promise<Bootstrapped> {
  const config = await loadConfig(env, { readSecret: options.readSecret });
  // Each provider declares its own hosted-template id format; only the mapped ones load.
  const idRules = await hostedTemplateIdRules([providerTemplatesJson(), env.PROVIDER_TEMPLATES]);
  // The bundled file first; PROVIDER_TEMPLATES overrides it per provider and trigger.
  const hosted = loadHostedTemplates(
    [
      { json: providerTemplatesJson(), source: 'templates/provider-templates.json' },
      { json: env.PROVIDER_TEMPLATES, source: 'PROVIDER_TEMPLATES' },
    ],
    idRules,
  );
  if (hosted.problems.length > 0) throw new ConfigError(hosted.problems);

  const deps: ProviderDeps = { fetch: options.fetch ?? nodeTransport, region: config.region };
  const policy = deliveryPolicyFromEnv(env, config.idempotencyTable);
  // Loaded only when a table is configured: the DynamoDB client is a chunk of its own.
  const store = config.idempotencyTable
    ? (await import('../delivery/dynamodb-store.ts')).createDynamoStore({
        table: config.idempotencyTable,
        region: config.region,
        endpoint: env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL,
      })
    : undefined;
  const delivery = createDelivery({
    email: createProviders<EmailProvider>(config.email?.providers ?? [], deps),
    sms: createProviders<SmsProvider>(config.sms?.providers ?? [], deps),
    policy,
    hostedTemplates: hosted.lookup,
    store,
    logger: options.logger ?? createLogger({ level: env.LOG_LEVEL }),
    metrics: options.metrics ?? (env.AWS_LAMBDA_FUNCTION_NAME ? createEmfMetrics({ serviceName: env.POWERTOOLS_SERVICE_NAME }) : noMetrics),
    clock: systemClock,
  });
  const renderer =
    options.renderer ??
    (await createTemplateRenderer({
      appName: config.appName,
      defaultLocale: config.defaultLocale,
      store: options.templateStore,
      linkBaseUrl: linkBaseUrlFromEnv(env),
    }));
  const decryptor = options.decryptor ?? createDecryptor({ keyArn: config.kmsKeyArn });
  const relay = createRelay({
    decryptor,
    renderer,
    delivery,
    lookupUser: options.lookupUser ?? createUserLookup(config.region),
    logger: options.logger ?? createLogger({ level: env.LOG_LEVEL }),
    email: config.email ? { from: config.email.from, replyTo: config.email.replyTo } : undefined,
  });
  async function prime(): Promise<void> {
    const work: Promise<unknown>[] = [];
    if ('prime' in decryptor && typeof decryptor.prime === 'function') work.push((decryptor.prime as () => Promise<unknown>)());
    // One render per configured channel compiles its templates once (not sent anywhere).
    for (const channel of [config.email ? 'email' : undefined, config.sms ? 'sms' : undefined]) {
      const rule = TRIGGERS.find((t) => t.channel === channel);
      if (!rule) continue;
      try {
        const variables = renderer.variables({
          trigger: rule.name,
          triggerSource: rule.source,
          channel: rule.channel,
          code: '000000',
          userName: 'prime',
          userAttributes: {},
          clientMetadata: {},
          userPoolId: `${config.region || 'us-east-1'}_prime`,
          region: config.region || 'us-east-1',
          locale: config.defaultLocale,
        });
        if (rule.channel === 'email') renderer.renderEmail(rule.name, config.defaultLocale, variables);
        else renderer.renderSms(rule.name, config.defaultLocale, variables);
      } catch {
        // A template problem is reported by the invocation that needs the template.
      }
    }
    await Promise.all(work);
  }

  return { relay, config, renderer, prime, close: () => delivery.close() };
}

/** Interim, until `loadConfig` reads it in its one schema: LINK_BASE_URL (verification links), or undefined. */
function linkBaseUrlFromEnv(env: Env): string | undefined {
  const raw = env.LINK_BASE_URL?.trim();
  if (!raw) return undefined;
  try {
    return checkLinkBaseUrl(raw);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

/**
 * Interim, until `loadConfig` parses the delivery policy in its one schema: the delivery
 * settings from the environment, every problem in one `ConfigError`.
 */
function deliveryPolicyFromEnv(env: Env, idempotencyTable: string | undefined): DeliveryPolicy {
  const problems: string[] = [];
  const integer = (name: string, range: { min: number; max: number; default?: number }): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return range.default;
    if (!/^\d+$/.test(raw) || Number(raw) < range.min || Number(raw) > range.max) {
      problems.push(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`);
      return range.default;
    }
    return Number(raw);
  };
  const d = DELIVERY_DEFAULTS;
  const policy: DeliveryPolicy = {
    maxAttempts: integer('MAX_ATTEMPTS', d.maxAttempts) as number,
    attemptTimeoutMs: integer('ATTEMPT_TIMEOUT_MS', d.attemptTimeoutMs) as number,
    unknownOutcomeResends: integer('UNKNOWN_OUTCOME_RESENDS', d.unknownOutcomeResends) as number,
    breaker: {
      threshold: integer('CIRCUIT_BREAKER_THRESHOLD', d.breakerThreshold) as number,
      cooldownMs: integer('CIRCUIT_BREAKER_COOLDOWN_MS', d.breakerCooldownMs) as number,
    },
    sms: { allowedCountries: undefined, maxPerNumberPerHour: integer('SMS_MAX_PER_NUMBER_PER_HOUR', d.smsMaxPerNumberPerHour) },
  };
  const countries = env.SMS_ALLOWED_COUNTRIES?.trim();
  if (countries) {
    const parsed = parseAllowedCountries(countries);
    problems.push(...parsed.problems.map((p) => `SMS_ALLOWED_COUNTRIES: ${p}`));
    policy.sms.allowedCountries = parsed.prefixes;
  }
  if (policy.sms.maxPerNumberPerHour !== undefined && !idempotencyTable) {
    problems.push('SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE: the per-number counters live in that DynamoDB table');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return policy;
}
