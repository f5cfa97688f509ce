/**
 * Turns the environment into one validated, typed configuration, once per cold start: core
 * settings, the delivery policy, the idempotency table, the provider-hosted template map and each
 * configured provider's settings (through the provider's own schema). One valibot schema checks
 * all of it, so every problem of every part is reported together in one `ConfigError` and a user
 * fixes their settings in one go.
 *
 * Secrets (`secret: true` settings of a provider) may be given as the plain variable, or as
 * `<NAME>_SECRET_ARN` (Secrets Manager) / `<NAME>_PARAMETER` (SSM SecureString); those are read
 * once here and never logged. Their values are kept in `RelayConfig.secrets` so the relay can
 * scrub them from anything it logs or throws.
 */
import * as v from 'valibot';
import { ConfigError } from '../errors.ts';
import { keyArnProblem, regionOfKeyArn } from '../crypto/key-arn.ts';
import { emailAddressProblem } from '../cognito/recipient.ts';
import type { Channel } from '../cognito/triggers.ts';
import { linkBaseUrlProblem } from '../templates/variables.ts';
import { parseAllowedCountries } from '../delivery/calling-codes.ts';
import { DELIVERY_DEFAULTS, type DeliveryPolicy } from '../delivery/policy.ts';
import { PROVIDER_LOADERS } from '../providers/registry.ts';
import type { Address, EmailProvider, ProviderDefinition, ProviderDeps, SmsProvider } from '../providers/types.ts';
import { loadHostedTemplates, type HostedTemplateLookup, type HostedTemplateSource } from './hosted-templates.ts';

export type Env = Record<string, string | undefined>;

export interface ConfiguredProvider<C extends Channel = Channel> {
  definition: ProviderDefinition<C>;
  /** Settings by environment name, secrets already resolved (before the provider's schema). */
  settings: Record<string, string | undefined>;
  /** Builds the provider from its typed settings (the output of `definition.schema`). */
  create(deps: ProviderDeps): C extends 'email' ? EmailProvider : SmsProvider;
}

export interface EmailChannelConfig {
  from: Address;
  replyTo: string | undefined;
  /** In failover order. */
  providers: ConfiguredProvider<'email'>[];
}

export interface SmsChannelConfig {
  providers: ConfiguredProvider<'sms'>[];
}

/** Powertools log levels. */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RelayConfig {
  kmsKeyArn: string;
  region: string;
  appName: string;
  defaultLocale: string;
  /** `LINK_BASE_URL`: the landing page verification links point to; absent, messages carry the code only. */
  linkBaseUrl: string | undefined;
  logLevel: LogLevel;
  /** `POWERTOOLS_SERVICE_NAME`: the `service` of log lines and metrics. */
  serviceName: string;
  /** True inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` set): metrics go out as EMF. */
  onLambda: boolean;
  email: EmailChannelConfig | undefined;
  sms: SmsChannelConfig | undefined;
  delivery: DeliveryPolicy;
  /** DynamoDB table for idempotency and SMS limits; optional. */
  idempotencyTable: string | undefined;
  /** `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` (local emulators, tests). */
  dynamodbEndpoint: string | undefined;
  hostedTemplates: HostedTemplateLookup;
  /**
   * Every configured secret value (provider keys and tokens, SMTP credentials, the webhook
   * secret, the AWS session token), for scrubbing; never log these.
   */
  secrets: string[];
  /** Things worth a log line at cold start that are not errors (e.g. ignored template entries). */
  warnings: string[];
}

/** Reads a secret from Secrets Manager or SSM. Injected in tests; Powertools by default. */
export type SecretReader = (source: { kind: 'secret' | 'parameter'; id: string; setting: string }) => Promise<string>;

export interface LoadConfigOptions {
  readSecret?: SecretReader | undefined;
  /**
   * The hosted-template map bundled at build time (`templates/provider-templates.json`);
   * `PROVIDER_TEMPLATES` overrides it per provider and trigger.
   */
  bundledProviderTemplates?: string | undefined;
  /** The provider registry; tests pass definitions of their own. */
  providers?: typeof PROVIDER_LOADERS | undefined;
}

const LOCALE_PATTERN = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/;
// A table name, or its ARN (DynamoDB accepts both as TableName).
const TABLE_PATTERN = /^(?:arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/)?[A-Za-z0-9_.-]{3,255}$/;
const BUNDLED_TEMPLATES_SOURCE = 'templates/provider-templates.json';

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** `EMAIL_PROVIDERS=sendgrid,smtp` (failover order) or the single `EMAIL_PROVIDER=sendgrid`. */
function providerNames(env: Env, channel: Channel): string[] {
  const prefix = channel === 'email' ? 'EMAIL' : 'SMS';
  const names = list(env[`${prefix}_PROVIDERS`]);
  return names.length > 0 ? names : list(env[`${prefix}_PROVIDER`]);
}

/** Blank values count as unset, as they always have. */
function present(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') out[name] = value;
  return out;
}

/**
 * Base URLs carry API keys and codes: https only, except plain http to this machine (tests, the
 * sandbox, a local relay).
 */
function baseUrlProblem(name: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL, e.g. https://api.example.com`;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return undefined;
  return `${name} must use https:// (requests carry the API key and the code); http:// is only allowed to localhost`;
}

async function defaultSecretReader(source: { kind: 'secret' | 'parameter'; id: string }): Promise<string> {
  // Loaded only when a deployment uses a secret store, so plain-env deployments never pay for it.
  if (source.kind === 'secret') {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    const value = await getSecret(source.id, { maxAge: 300 });
    if (typeof value !== 'string') throw new Error('the secret has no SecretString');
    return value;
  }
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const value = await getParameter(source.id, { decrypt: true, maxAge: 300 });
  if (typeof value !== 'string') throw new Error('the parameter has no value');
  return value;
}

// ---------------------------------------------------------------------------------------------
// Schema pieces

const trim = v.transform((value: string) => value.trim());

/** A check that reports `problem(value)` when it returns a sentence. Runs even after other issues. */
function problemCheck<T>(problem: (value: T) => string | undefined) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const message = problem(dataset.value);
    if (message) addIssue({ message });
  });
}

/** A whole number within `range`, named `name` in its message. */
function wholeNumber(name: string, range: { min: number; max: number }) {
  return v.pipe(
    v.string(),
    trim,
    v.rawTransform<string, number>(({ dataset, addIssue, NEVER }) => {
      const value = Number(dataset.value);
      if (/^\d+$/.test(dataset.value) && value >= range.min && value <= range.max) return value;
      addIssue({ message: `${name} must be a whole number from ${range.min} to ${range.max}, got "${dataset.value}"` });
      return NEVER;
    }),
  );
}

/** A policy setting: its `DELIVERY_DEFAULTS` entry gives the range and the default. */
const policyNumber = (name: string, range: { min: number; max: number; default: number }) =>
  v.optional(wholeNumber(name, range), String(range.default));

const optionalText = v.optional(v.pipe(v.string(), trim));
/** Values that reach a mail header or a template: one line. */
const oneLine = v.optional(v.pipe(v.string(), v.transform((s) => s.replace(/[\r\n]+/g, ' ').trim())));

function emailAddress(name: string) {
  return v.optional(
    v.pipe(
      v.string(),
      trim,
      problemCheck((value: string) => {
        const problem = emailAddressProblem(value);
        return problem ? `${name} "${value}" ${problem}` : undefined;
      }),
    ),
  );
}

/** Everything read straight from the environment (blank values removed first). */
const EnvSchema = v.object({
  KMS_KEY_ARN: v.pipe(v.optional(v.string(), ''), problemCheck((value: string) => keyArnProblem(value))),
  AWS_REGION: optionalText,
  AWS_DEFAULT_REGION: optionalText,
  AWS_LAMBDA_FUNCTION_NAME: optionalText,
  AWS_SESSION_TOKEN: v.optional(v.string()),
  AWS_ENDPOINT_URL: optionalText,
  AWS_ENDPOINT_URL_DYNAMODB: optionalText,
  APP_NAME: oneLine,
  DEFAULT_LOCALE: v.pipe(
    v.optional(v.pipe(v.string(), trim), 'en'),
    problemCheck((value: string) => (LOCALE_PATTERN.test(value) ? undefined : `DEFAULT_LOCALE "${value}" is not a locale like en or pt-BR`)),
  ),
  LOG_LEVEL: v.optional(
    v.pipe(
      v.string(),
      trim,
      v.rawTransform<string, LogLevel>(({ dataset, addIssue, NEVER }) => {
        const level = LOG_LEVELS.find((name) => name === dataset.value.toUpperCase());
        if (level) return level;
        addIssue({ message: `LOG_LEVEL "${dataset.value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}` });
        return NEVER;
      }),
    ),
    'INFO',
  ),
  POWERTOOLS_SERVICE_NAME: v.optional(v.pipe(v.string(), trim), 'cognito-relay'),
  LINK_BASE_URL: v.optional(v.pipe(v.string(), trim, problemCheck((value: string) => linkBaseUrlProblem(value)))),
  EMAIL_FROM: emailAddress('EMAIL_FROM'),
  // The display name reaches a header: no CR/LF.
  EMAIL_FROM_NAME: oneLine,
  EMAIL_REPLY_TO: emailAddress('EMAIL_REPLY_TO'),
  IDEMPOTENCY_TABLE: v.optional(
    v.pipe(
      v.string(),
      trim,
      problemCheck((value: string) =>
        TABLE_PATTERN.test(value) ? undefined : `IDEMPOTENCY_TABLE "${value.slice(0, 80)}" is not a DynamoDB table name or ARN`,
      ),
    ),
  ),
  MAX_ATTEMPTS: policyNumber('MAX_ATTEMPTS', DELIVERY_DEFAULTS.maxAttempts),
  ATTEMPT_TIMEOUT_MS: policyNumber('ATTEMPT_TIMEOUT_MS', DELIVERY_DEFAULTS.attemptTimeoutMs),
  UNKNOWN_OUTCOME_RESENDS: policyNumber('UNKNOWN_OUTCOME_RESENDS', DELIVERY_DEFAULTS.unknownOutcomeResends),
  CIRCUIT_BREAKER_THRESHOLD: policyNumber('CIRCUIT_BREAKER_THRESHOLD', DELIVERY_DEFAULTS.breakerThreshold),
  CIRCUIT_BREAKER_COOLDOWN_MS: policyNumber('CIRCUIT_BREAKER_COOLDOWN_MS', DELIVERY_DEFAULTS.breakerCooldownMs),
  SMS_MAX_PER_NUMBER_PER_HOUR: v.optional(wholeNumber('SMS_MAX_PER_NUMBER_PER_HOUR', DELIVERY_DEFAULTS.smsMaxPerNumberPerHour)),
  SMS_ALLOWED_COUNTRIES: v.optional(
    v.pipe(
      v.string(),
      v.rawTransform<string, string[]>(({ dataset, addIssue, NEVER }) => {
        const parsed = parseAllowedCountries(dataset.value);
        for (const problem of parsed.problems) addIssue({ message: `SMS_ALLOWED_COUNTRIES: ${problem}` });
        return parsed.problems.length > 0 ? NEVER : parsed.prefixes;
      }),
    ),
  ),
});

const RawSettings = v.record(v.string(), v.optional(v.string()));

/**
 * One configured provider: the raw record checked by the spec-based rules (https base URLs,
 * `validate`), and — independently, so both report — turned into typed settings by the
 * provider's own `schema` (the raw record when it has none).
 */
function providerSchema<C extends Channel>(definition: ProviderDefinition<C>) {
  const typed = definition.schema ?? RawSettings;
  return v.pipe(
    v.object({
      raw: v.pipe(
        RawSettings,
        v.rawCheck(({ dataset, addIssue }) => {
          if (!dataset.typed) return;
          const settings = dataset.value;
          for (const [name, value] of Object.entries(settings)) {
            const problem = name.endsWith('_BASE_URL') && value !== undefined ? baseUrlProblem(name, value) : undefined;
            if (problem) addIssue({ message: problem });
          }
          for (const problem of definition.validate?.(settings) ?? []) addIssue({ message: problem });
        }),
      ),
      typed,
    }),
    v.transform(
      ({ raw, typed: settings }): ConfiguredProvider<C> => ({
        definition,
        settings: raw,
        create: (deps) => definition.create(settings, deps),
      }),
    ),
  );
}

/** Hosted-template ids are checked against the configured providers only (see loadHostedTemplates). */
function hostedTemplatesSchema(configured: ProviderDefinition[], known: ReadonlySet<string>, warnings: string[]) {
  return v.pipe(
    v.object({ bundled: v.optional(v.string()), env: v.optional(v.string()) }),
    v.rawTransform<{ bundled?: string | undefined; env?: string | undefined }, HostedTemplateLookup>(({ dataset, addIssue, NEVER }) => {
      const sources: HostedTemplateSource[] = [
        { json: dataset.value.bundled, source: BUNDLED_TEMPLATES_SOURCE },
        { json: dataset.value.env, source: 'PROVIDER_TEMPLATES' },
      ];
      const loaded = loadHostedTemplates(sources, {
        configured: new Map(configured.map((d) => [d.name, d.hostedTemplateId])),
        known,
      });
      warnings.push(...loaded.warnings);
      for (const problem of loaded.problems) addIssue({ message: problem });
      return loaded.problems.length > 0 ? NEVER : loaded.lookup;
    }),
  );
}

/** Problems that involve several settings. Reads the raw input, so it reports even when a part is invalid. */
function crossChecks(env: Record<string, string>, hasEmail: boolean, hasSms: boolean): string[] {
  const problems: string[] = [];
  if (!hasEmail && !hasSms) {
    problems.push('no provider configured: set EMAIL_PROVIDER (e.g. sendgrid, smtp) and/or SMS_PROVIDER (e.g. twilio)');
  }
  if (hasEmail && env.EMAIL_FROM === undefined) {
    problems.push('EMAIL_FROM is required when an email provider is set: the sender address, e.g. no-reply@example.com');
  }
  if (env.SMS_MAX_PER_NUMBER_PER_HOUR !== undefined && env.IDEMPOTENCY_TABLE === undefined) {
    problems.push('SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE: the per-number counters live in that DynamoDB table');
  }
  return problems;
}

/**
 * The one schema of the configuration, for the providers a deployment names: the environment,
 * each provider's resolved settings, the hosted-template sources, checked together.
 */
function relayConfigSchema(input: {
  env: Record<string, string>;
  email: ProviderDefinition<'email'>[] | undefined;
  sms: ProviderDefinition<'sms'>[] | undefined;
  known: ReadonlySet<string>;
  secrets: string[];
  warnings: string[];
}) {
  const { env, email, sms, known, secrets, warnings } = input;
  return v.pipe(
    v.object({
      env: EnvSchema,
      // Keyed by position: the failover order.
      emailProviders: v.object(Object.fromEntries((email ?? []).map((d, i) => [i, providerSchema(d)]))),
      smsProviders: v.object(Object.fromEntries((sms ?? []).map((d, i) => [i, providerSchema(d)]))),
      hostedTemplates: hostedTemplatesSchema([...(email ?? []), ...(sms ?? [])], known, warnings),
    }),
    v.rawCheck(({ addIssue }) => {
      for (const message of crossChecks(env, email !== undefined, sms !== undefined)) addIssue({ message });
    }),
    v.transform(({ env: e, emailProviders, smsProviders, hostedTemplates }): RelayConfig => {
      const kmsKeyArn = e.KMS_KEY_ARN;
      return {
        kmsKeyArn,
        region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? regionOfKeyArn(kmsKeyArn) ?? '',
        // Empty is fine: the built-in templates leave the name out.
        appName: e.APP_NAME ?? '',
        defaultLocale: e.DEFAULT_LOCALE,
        linkBaseUrl: e.LINK_BASE_URL,
        logLevel: e.LOG_LEVEL,
        serviceName: e.POWERTOOLS_SERVICE_NAME,
        onLambda: e.AWS_LAMBDA_FUNCTION_NAME !== undefined,
        email:
          email === undefined
            ? undefined
            : {
                // crossChecks refuses an email deployment without EMAIL_FROM before this runs.
                from: { email: e.EMAIL_FROM ?? '', name: e.EMAIL_FROM_NAME || undefined },
                replyTo: e.EMAIL_REPLY_TO,
                providers: Object.values(emailProviders),
              },
        sms: sms === undefined ? undefined : { providers: Object.values(smsProviders) },
        delivery: {
          maxAttempts: e.MAX_ATTEMPTS,
          attemptTimeoutMs: e.ATTEMPT_TIMEOUT_MS,
          unknownOutcomeResends: e.UNKNOWN_OUTCOME_RESENDS,
          breaker: { threshold: e.CIRCUIT_BREAKER_THRESHOLD, cooldownMs: e.CIRCUIT_BREAKER_COOLDOWN_MS },
          sms: { allowedCountries: e.SMS_ALLOWED_COUNTRIES, maxPerNumberPerHour: e.SMS_MAX_PER_NUMBER_PER_HOUR },
        },
        idempotencyTable: e.IDEMPOTENCY_TABLE,
        dynamodbEndpoint: e.AWS_ENDPOINT_URL_DYNAMODB ?? e.AWS_ENDPOINT_URL,
        hostedTemplates,
        secrets: [...secrets, ...(e.AWS_SESSION_TOKEN ? [e.AWS_SESSION_TOKEN] : [])],
        warnings,
      };
    }),
  );
}

/** One sentence per issue, naming the setting: messages written here already do. */
function describeIssue(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((p) => p.key).filter((k): k is string => typeof k === 'string' && /^[A-Z][A-Z0-9_]*$/.test(k));
  const name = keys.at(-1);
  return name && !issue.message.includes(name) ? `${name}: ${issue.message}` : issue.message;
}

// ---------------------------------------------------------------------------------------------
// Providers: load the configured definitions and resolve their settings (secrets are async)

interface ResolvedProviders<C extends Channel> {
  definitions: ProviderDefinition<C>[];
  settings: Record<string, string | undefined>[];
}

async function resolveProviders<C extends Channel>(
  channel: C,
  loaders: Record<string, () => Promise<{ default: ProviderDefinition<C> }>>,
  names: string[],
  env: Record<string, string>,
  readSecret: SecretReader,
  problems: string[],
  secrets: string[],
): Promise<ResolvedProviders<C>> {
  const definitions: ProviderDefinition<C>[] = [];
  const settingsList: Record<string, string | undefined>[] = [];
  // Loaded in parallel: each is its own chunk.
  const loaded = await Promise.all(names.map(async (name) => (await loaders[name]?.())?.default));
  for (const [index, name] of names.entries()) {
    const definition = loaded[index];
    if (!definition) {
      problems.push(
        `${channel === 'email' ? 'EMAIL' : 'SMS'}_PROVIDER: unknown ${channel} provider "${name}"; choose one of ${Object.keys(loaders).sort().join(', ')}`,
      );
      continue;
    }
    const settings: Record<string, string | undefined> = {};
    for (const spec of definition.settings) {
      const direct = env[spec.env];
      const secretArn = spec.secret ? env[`${spec.env}_SECRET_ARN`] : undefined;
      const parameter = spec.secret ? env[`${spec.env}_PARAMETER`] : undefined;
      if (direct !== undefined) {
        settings[spec.env] = direct;
      } else if (secretArn !== undefined || parameter !== undefined) {
        const source =
          secretArn !== undefined
            ? { kind: 'secret' as const, id: secretArn, setting: spec.env, via: `${spec.env}_SECRET_ARN` }
            : { kind: 'parameter' as const, id: parameter ?? '', setting: spec.env, via: `${spec.env}_PARAMETER` };
        try {
          settings[spec.env] = await readSecret({ kind: source.kind, id: source.id, setting: source.setting });
        } catch (error) {
          problems.push(
            `${source.via}: could not read ${source.id} (${(error as Error).message}); check the name and that the function role may read it`,
          );
        }
      } else if (spec.default !== undefined) {
        settings[spec.env] = spec.default;
      } else if (spec.required) {
        const alternatives = spec.secret ? ` (or ${spec.env}_SECRET_ARN / ${spec.env}_PARAMETER)` : '';
        problems.push(`${spec.env}${alternatives} is required by the ${definition.name} provider: ${spec.description}`);
      }
    }
    secrets.push(...providerSecrets(definition, settings));
    definitions.push(definition);
    settingsList.push(settings);
  }
  return { definitions, settings: settingsList };
}

/**
 * The secret values of one provider's settings, and the HTTP Basic credentials built from them
 * (`base64(user:secret)`: Twilio's account SID and token, Mailgun's `api` and key), which is the
 * only form in which an echoed `Authorization` header shows them.
 */
function providerSecrets(definition: ProviderDefinition, settings: Record<string, string | undefined>): string[] {
  const values = definition.settings.map((spec) => ({ secret: spec.secret === true, value: settings[spec.env] }));
  const users = ['api', ...values.map((v) => v.value).filter((value): value is string => value !== undefined && value.length < 256)];
  const out: string[] = [];
  for (const { secret, value } of values) {
    if (!secret || value === undefined) continue;
    out.push(...secretForms(value));
    for (const user of users) {
      out.push(Buffer.from(`${user}:${value}`).toString('base64'));
    }
  }
  return out;
}

/**
 * A secret and the parts of it that travel on their own: the user name and password of a URL
 * (`smtps://user:pass@host`), raw and percent-decoded; each of several space-separated secrets
 * (webhook secrets while rotating).
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  for (const part of value.split(/\s+/)) if (part) forms.add(part);
  try {
    const url = new URL(value);
    for (const part of [url.username, url.password]) {
      if (!part) continue;
      forms.add(part);
      try {
        forms.add(decodeURIComponent(part));
      } catch {
        // Not percent-encoded: the raw form is already kept.
      }
    }
  } catch {
    // Not a URL.
  }
  return [...forms];
}

/**
 * Validates the environment, resolves secrets, loads the configured providers' definitions.
 * Throws one `ConfigError` listing every problem of every part.
 *
 * @example
 * const config = await loadConfig(process.env, { bundledProviderTemplates: providerTemplatesJson() });
 */
export async function loadConfig(rawEnv: Env, options: LoadConfigOptions = {}): Promise<RelayConfig> {
  const env = present(rawEnv);
  const readSecret = options.readSecret ?? defaultSecretReader;
  const loaders = options.providers ?? PROVIDER_LOADERS;
  const problems: string[] = [];
  const secrets: string[] = [];
  const emailNames = providerNames(env, 'email');
  const smsNames = providerNames(env, 'sms');
  const [email, sms] = await Promise.all([
    resolveProviders('email', loaders.email, emailNames, env, readSecret, problems, secrets),
    resolveProviders('sms', loaders.sms, smsNames, env, readSecret, problems, secrets),
  ]);

  const schema = relayConfigSchema({
    env,
    email: emailNames.length > 0 ? email.definitions : undefined,
    sms: smsNames.length > 0 ? sms.definitions : undefined,
    known: new Set([...Object.keys(loaders.email), ...Object.keys(loaders.sms)]),
    secrets,
    warnings: [],
  });
  const parsed = v.safeParse(schema, {
    env,
    emailProviders: Object.fromEntries(email.settings.map((settings, index) => [index, { raw: settings, typed: settings }])),
    smsProviders: Object.fromEntries(sms.settings.map((settings, index) => [index, { raw: settings, typed: settings }])),
    hostedTemplates: { bundled: options.bundledProviderTemplates, env: env.PROVIDER_TEMPLATES },
  });
  if (!parsed.success) problems.push(...parsed.issues.map(describeIssue));
  if (problems.length > 0 || !parsed.success) throw new ConfigError([...new Set(problems)]);
  return parsed.output;
}
