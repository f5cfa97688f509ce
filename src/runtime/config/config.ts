/**
 * Turns the environment into one validated, typed configuration, once per cold start.
 * Every problem is collected and reported together, so a user fixes their settings in one go.
 *
 * Secrets (`secret: true` settings of a provider) may be given as the plain variable, or as
 * `<NAME>_SECRET_ARN` (Secrets Manager) / `<NAME>_PARAMETER` (SSM SecureString); those are read
 * once here and never logged.
 */
import { ConfigError } from '../errors.ts';
import { keyArnProblem } from '../crypto/key-arn.ts';
import type { Channel } from '../cognito/triggers.ts';
import { PROVIDER_LOADERS, knownProviders } from '../providers/registry.ts';
import type { Address, ProviderDefinition } from '../providers/types.ts';

export type Env = Record<string, string | undefined>;

export interface ConfiguredProvider<C extends Channel = Channel> {
  definition: ProviderDefinition<C>;
  /** Settings by environment name, secrets already resolved. */
  settings: Record<string, string | undefined>;
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

export interface RelayConfig {
  kmsKeyArn: string;
  region: string;
  appName: string;
  defaultLocale: string;
  email: EmailChannelConfig | undefined;
  sms: SmsChannelConfig | undefined;
  /** DynamoDB table for idempotency and SMS limits; optional. */
  idempotencyTable: string | undefined;
  /** The whole environment, for parts (delivery, templates) that read their own options. */
  env: Env;
}

/** Reads a secret from Secrets Manager or SSM. Injected in tests; Powertools by default. */
export type SecretReader = (source: { kind: 'secret' | 'parameter'; id: string; setting: string }) => Promise<string>;

const EMAIL_PATTERN = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const LOCALE_PATTERN = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/;

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

async function configureProviders<C extends Channel>(
  channel: C,
  env: Env,
  readSecret: SecretReader,
  problems: string[],
): Promise<ConfiguredProvider<C>[]> {
  const names = providerNames(env, channel);
  const configured: ConfiguredProvider<C>[] = [];
  const loaders = PROVIDER_LOADERS[channel] as Record<string, () => Promise<{ default: ProviderDefinition<C> }>>;
  for (const name of names) {
    const load = loaders[name];
    if (!load) {
      problems.push(
        `${channel === 'email' ? 'EMAIL' : 'SMS'}_PROVIDER: unknown ${channel} provider "${name}"; choose one of ${knownProviders(channel).join(', ')}`,
      );
      continue;
    }
    const definition = (await load()).default;
    const settings: Record<string, string | undefined> = {};
    for (const spec of definition.settings) {
      const direct = env[spec.env];
      const secretArn = spec.secret ? env[`${spec.env}_SECRET_ARN`] : undefined;
      const parameter = spec.secret ? env[`${spec.env}_PARAMETER`] : undefined;
      if (direct !== undefined && direct !== '') {
        settings[spec.env] = direct;
      } else if (secretArn || parameter) {
        const source = secretArn
          ? { kind: 'secret' as const, id: secretArn, setting: spec.env }
          : { kind: 'parameter' as const, id: parameter as string, setting: spec.env };
        try {
          settings[spec.env] = await readSecret(source);
        } catch (error) {
          const via = secretArn ? `${spec.env}_SECRET_ARN` : `${spec.env}_PARAMETER`;
          problems.push(
            `${via}: could not read ${source.id} (${(error as Error).message}); check the name and that the function role may read it`,
          );
        }
      } else if (spec.default !== undefined) {
        settings[spec.env] = spec.default;
      } else if (spec.required) {
        const alternatives = spec.secret ? ` (or ${spec.env}_SECRET_ARN / ${spec.env}_PARAMETER)` : '';
        problems.push(`${spec.env}${alternatives} is required by the ${definition.name} provider: ${spec.description}`);
      }
    }
    for (const [name, value] of Object.entries(settings)) {
      if (name.endsWith('_BASE_URL') && value !== undefined) {
        const problem = baseUrlProblem(name, value);
        if (problem) problems.push(problem);
      }
    }
    problems.push(...(definition.validate?.(settings) ?? []));
    configured.push({ definition, settings });
  }
  return configured;
}

/**
 * Validates the environment and resolves secrets. Throws one `ConfigError` listing every
 * problem.
 *
 * @example
 * const config = await loadConfig(process.env);
 */
export async function loadConfig(env: Env, options: { readSecret?: SecretReader } = {}): Promise<RelayConfig> {
  const problems: string[] = [];
  const readSecret = options.readSecret ?? defaultSecretReader;

  const kmsKeyArn = env.KMS_KEY_ARN ?? '';
  const keyProblem = keyArnProblem(kmsKeyArn);
  if (keyProblem) problems.push(keyProblem);

  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? kmsKeyArn.split(':')[3] ?? '';
  const defaultLocale = env.DEFAULT_LOCALE?.trim() || 'en';
  if (!LOCALE_PATTERN.test(defaultLocale)) problems.push(`DEFAULT_LOCALE "${defaultLocale}" is not a locale like en or pt-BR`);

  const emailProviders = await configureProviders('email', env, readSecret, problems);
  const smsProviders = await configureProviders('sms', env, readSecret, problems);
  if (providerNames(env, 'email').length === 0 && providerNames(env, 'sms').length === 0) {
    problems.push('no provider configured: set EMAIL_PROVIDER (e.g. sendgrid, smtp) and/or SMS_PROVIDER (e.g. twilio)');
  }

  let email: EmailChannelConfig | undefined;
  if (providerNames(env, 'email').length > 0) {
    const fromEmail = env.EMAIL_FROM?.trim() ?? '';
    if (!fromEmail) problems.push('EMAIL_FROM is required when an email provider is set: the sender address, e.g. no-reply@example.com');
    else if (!EMAIL_PATTERN.test(fromEmail)) problems.push(`EMAIL_FROM "${fromEmail}" is not an email address`);
    const replyTo = env.EMAIL_REPLY_TO?.trim() || undefined;
    if (replyTo && !EMAIL_PATTERN.test(replyTo)) problems.push(`EMAIL_REPLY_TO "${replyTo}" is not an email address`);
    email = {
      // The display name reaches a header: no CR/LF.
      from: { email: fromEmail, name: env.EMAIL_FROM_NAME?.replace(/[\r\n]+/g, ' ').trim() || undefined },
      replyTo,
      providers: emailProviders,
    };
  }
  const sms = providerNames(env, 'sms').length > 0 ? { providers: smsProviders } : undefined;

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    kmsKeyArn,
    region,
    // Empty is fine: the built-in templates leave the name out.
    appName: env.APP_NAME?.replace(/[\r\n]+/g, ' ').trim() ?? '',
    defaultLocale,
    email,
    sms,
    idempotencyTable: env.IDEMPOTENCY_TABLE?.trim() || undefined,
    env,
  };
}
