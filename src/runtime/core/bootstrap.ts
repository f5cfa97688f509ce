/**
 * The composition root: the one place that reads the configuration and constructs every client
 * and collaborator — KMS client and keyring (the decryptor), providers, the idempotency store
 * (DynamoDB), logger, metrics, clock, renderer — and hands the built objects down. Nothing below
 * it reads `process.env` or builds its own dependencies.
 *
 * Called once per cold start by the Lambda handler, and by the CLI and the sandbox with
 * overrides (their own fetch, template folder, logger, decryptor).
 */
import { loadConfig, type Env, type RelayConfig, type SecretReader } from '../config/config.ts';
import { DEFAULT_PROFILE, environmentChains, environmentForProfiles, loadRelayFile, resolveClientIdReferences, resolveProfiles, type ResolvedProfile } from '../config/profiles.ts';
import {
  BUILTIN_DEFAULT_LOCALE,
  createProfileTemplateStore,
  defaultTemplateStore,
  providerTemplatesJson,
  relayConfigJson,
  templateSetNames,
} from '../templates/index.ts';
import { checkCodeInTemplates } from '../templates/code-check.ts';
import { ConfigError, TemplateError } from '../errors.ts';
import { createDecryptor, type Decryptor } from '../crypto/decrypt.ts';
import { createKmsDecryptClient } from '../crypto/kms-decrypt.ts';
import { regionOfKeyArn } from '../crypto/key-arn.ts';
import { createUserLookup, type UserLookup } from '../cognito/recipient.ts';
import { TRIGGERS } from '../cognito/triggers.ts';
import { createDelivery, type Delivery } from '../delivery/deliver.ts';
import { systemClock, type Clock } from '../delivery/policy.ts';
import type { IdempotencyStore } from '../delivery/store.ts';
import { createLogger, scrubbingLogger, type RelayLogger } from '../observability/logger.ts';
import { createScrubber } from '../observability/mask.ts';
import { createEmfMetrics, noMetrics, scrubbingMetrics, type MetricsSink } from '../observability/metrics.ts';
import type { FetchLike } from '../providers/http.ts';
import { nodeTransport } from '../providers/transport.ts';
import type { ProviderDefinition, ProviderDeps } from '../providers/types.ts';
import type { TemplateStore } from '../templates/store.ts';
import { createProfileRouter } from './profiles.ts';
import { createRelay, hookEvent, type BeforeSend, type HookEvent, type ProfileDeps, type Relay } from './relay.ts';
import type { ParsedEvent } from '../cognito/event.ts';
import { PROVIDER_LOADERS } from '../providers/registry.ts';
import { createTemplateRenderer, type Renderer } from './renderer.ts';

export interface BootstrapOptions {
  readSecret?: SecretReader;
  /** The providers' HTTP client; `nodeTransport` (node:https, keep-alive) unless given. */
  fetch?: FetchLike;
  /** Powertools Logger from the configuration unless given (scrubbed either way). */
  logger?: RelayLogger;
  decryptor?: Decryptor;
  lookupUser?: UserLookup;
  /** Templates from disk (sandbox, CLI) instead of the ones embedded at build time. */
  templateStore?: TemplateStore;
  renderer?: Renderer;
  /** Where delivery metrics go; EMF on Lambda by default, nothing elsewhere. */
  metrics?: MetricsSink;
  /** An idempotency store instead of the DynamoDB one `IDEMPOTENCY_TABLE` would create. */
  store?: IdempotencyStore;
  clock?: Clock;
  /** relay.config.json's text instead of the bundled one (undefined: the bundled file, if any). */
  relayConfig?: string | undefined;
  /** Library API (src/runtime/index.ts): providers besides the built-in ones, by name. */
  customProviders?: readonly ProviderDefinition[] | undefined;
  /** Library API: picks the profile by name before the routes do; undefined lets the routes decide. */
  resolveProfile?: ((event: HookEvent) => string | undefined | Promise<string | undefined>) | undefined;
  /** Library API: sees every message before it is sent. */
  beforeSend?: BeforeSend | undefined;
  /**
   * Every profile sends through the environment's providers, ignoring the chains the file names
   * (the sandbox and the CLI deliver to their local inboxes whatever the profile). The sandbox's
   * bundle gets the same with RELAY_PROFILE_PROVIDERS=environment.
   */
  environmentProvidersOnly?: boolean | undefined;
}

export interface Bootstrapped {
  relay: Relay;
  config: RelayConfig;
  /** The default profile's renderer. */
  renderer: Renderer;
  /** Every profile by name (one `default` without relay.config.json), as the relay uses them. */
  profiles: ReadonlyMap<string, ProfileDeps & { settings: ResolvedProfile }>;
  /** The relay's logger (scrubbed), for the handler to add the Lambda context to. */
  logger: RelayLogger;
  /**
   * Init-phase warm-up, once per cold start (the Lambda handler awaits it at init): moves
   * first-use costs out of the first invocation. Never throws; skipping it changes no result.
   */
  prime(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The DynamoDB store when `IDEMPOTENCY_TABLE` is set. Imported on demand so the SDK client stays
 * a chunk of its own that deployments without a table never load.
 */
async function createStore(config: RelayConfig): Promise<{ store: IdempotencyStore; destroy(): void } | undefined> {
  if (config.idempotencyTable === undefined) return undefined;
  const [{ DynamoDBClient }, { createDynamoStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../delivery/dynamodb-store.ts'),
  ]);
  const client = new DynamoDBClient({
    ...(config.region ? { region: config.region } : {}),
    ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
    // Delivery has its own deadline; one quick SDK retry is enough.
    maxAttempts: 2,
  });
  return { store: createDynamoStore({ table: config.idempotencyTable, client }), destroy: () => client.destroy() };
}

/** The registry with a library user's own providers added (a custom name may not shadow a built-in). */
function withCustomProviders(custom: readonly ProviderDefinition[] | undefined): typeof PROVIDER_LOADERS | undefined {
  if (!custom?.length) return undefined;
  const loaders = { email: { ...PROVIDER_LOADERS.email }, sms: { ...PROVIDER_LOADERS.sms } };
  for (const definition of custom) {
    const table: Record<string, () => Promise<{ default: ProviderDefinition }>> = loaders[definition.channel];
    if (table[definition.name]) throw new ConfigError([`custom provider "${definition.name}" has the name of a built-in ${definition.channel} provider; choose another name`]);
    table[definition.name] = async () => ({ default: definition });
  }
  return loaders;
}

/**
 * A message that should carry the code must carry it. The bundle's templates were checked when
 * it was built (every locale, rendered with a sentinel code, with the built-in fallback to `en`);
 * what the build could not know is this deployment's `DEFAULT_LOCALE`, which changes the file a
 * locale falls back to. So a different default is checked again here, for the channels this
 * deployment sends; with the default `en` there is nothing new to check and nothing is spent.
 * Templates read from a folder (CLI, sandbox) are checked by the sandbox's gallery and the CLI's
 * preview, and at send time by the relay. Throws a `TemplateError` listing each problem: the
 * handler then fails every invocation with it instead of sending a message without its code.
 */
function checkTemplatesAtColdStart(store: TemplateStore, config: RelayConfig): void {
  if (config.defaultLocale === BUILTIN_DEFAULT_LOCALE) return;
  const channels = [...(config.email ? ['email' as const] : []), ...(config.sms ? ['sms' as const] : [])];
  const problems = checkCodeInTemplates(store, { defaultLocale: config.defaultLocale, channels });
  if (problems.length > 0) {
    throw new TemplateError(`templates are not safe to send with DEFAULT_LOCALE=${config.defaultLocale}:\n  - ${problems.map((p) => `${p.file}: ${p.message}`).join('\n  - ')}`);
  }
}

/**
 * @example
 * const { relay, prime } = await bootstrap(process.env);
 * await prime();
 * await relay.handle(event, context);
 */
export async function bootstrap(env: Env, options: BootstrapOptions = {}): Promise<Bootstrapped> {
  // Many apps and tenants: relay.config.json (bundled) names profiles and routes; without it the
  // environment describes the one default profile, as it always has.
  const bundled = loadRelayFile(options.relayConfig ?? relayConfigJson(), { templateSets: new Set(templateSetNames()) });
  const resolved = bundled && resolveClientIdReferences(bundled, env);
  const file =
    resolved && (options.environmentProvidersOnly || env['RELAY_PROFILE_PROVIDERS'] === 'environment')
      ? { ...resolved, profiles: Object.fromEntries(Object.entries(resolved.profiles).map(([name, { emailProviders: _e, smsProviders: _s, ...rest }]) => [name, rest])) }
      : resolved;
  const config = await loadConfig(file ? environmentForProfiles(env, file) : env, {
    readSecret: options.readSecret,
    bundledProviderTemplates: providerTemplatesJson(),
    providers: withCustomProviders(options.customProviders),
  });

  // Everything that leaves the relay goes through one scrubber: logs, metrics, thrown errors.
  const scrubber = createScrubber({ secrets: config.secrets });
  const logger = scrubbingLogger(options.logger ?? createLogger({ level: config.logLevel, serviceName: config.serviceName }), scrubber);
  for (const warning of config.warnings) logger.warn(warning);
  const metrics = scrubbingMetrics(
    options.metrics ?? (config.onLambda ? createEmfMetrics({ serviceName: config.serviceName }) : noMetrics),
    scrubber.scrub,
  );
  const clock = options.clock ?? systemClock;

  const providerDeps: ProviderDeps = { fetch: options.fetch ?? nodeTransport, region: config.region };
  const built = options.store ? { store: options.store, destroy() {} } : await createStore(config);
  // One instance per provider, one delivery per chain: profiles with the same chain share them.
  const providerInstances = new Map<string, unknown>();
  const instance = <T>(channel: string, name: string, create: () => T): T => {
    const key = `${channel}:${name}`;
    if (!providerInstances.has(key)) providerInstances.set(key, create());
    return providerInstances.get(key) as T;
  };
  const deliveries = new Map<string, Delivery>();
  const deliveryFor = (profile: ResolvedProfile): Delivery => {
    let delivery = deliveries.get(profile.deliveryKey);
    if (!delivery) {
      delivery = createDelivery({
        email: (profile.email?.providers ?? []).map((p) => instance('email', p.definition.name, () => p.create(providerDeps))),
        sms: (profile.sms?.providers ?? []).map((p) => instance('sms', p.definition.name, () => p.create(providerDeps))),
        policy: config.delivery,
        hostedTemplates: profile.hostedTemplates,
        store: built?.store,
        logger,
        metrics,
        clock,
      });
      deliveries.set(profile.deliveryKey, delivery);
    }
    return delivery;
  };

  const profiles = new Map<string, ProfileDeps & { settings: ResolvedProfile }>();
  for (const settings of resolveProfiles(config, file, environmentChains(env))) {
    const store = settings.templates ? createProfileTemplateStore(settings.templates) : (options.templateStore ?? defaultTemplateStore());
    if (!options.templateStore) checkTemplatesAtColdStart(store, { ...config, defaultLocale: settings.defaultLocale });
    const renderer =
      options.renderer ??
      createTemplateRenderer({
        appName: settings.appName,
        defaultLocale: settings.defaultLocale,
        store,
        linkBaseUrl: config.linkBaseUrl,
        profile: settings.name,
        brand: settings.brand,
      });
    const email = settings.email ? { from: settings.email.from, replyTo: settings.email.replyTo } : undefined;
    profiles.set(settings.name, { name: settings.name, renderer, delivery: deliveryFor(settings), email, settings });
  }
  const defaultProfile = profiles.get(file?.default ?? DEFAULT_PROFILE) as ProfileDeps;
  const { renderer, delivery } = defaultProfile;
  const route = file ? createProfileRouter(file.routes, file.default) : undefined;
  const { resolveProfile } = options;
  const selectProfile = async (event: ParsedEvent): Promise<ProfileDeps> => {
    const chosen = (await resolveProfile?.(hookEvent(event, defaultProfile.name))) ?? route?.(event);
    if (chosen === undefined) return defaultProfile;
    const profile = profiles.get(chosen);
    if (!profile) throw new ConfigError([`resolveProfile returned "${chosen}", which is not a profile; profiles are ${[...profiles.keys()].join(', ')}`]);
    return profile;
  };

  // One KMS client per warm instance, in the key's region (KMS keys are regional); the decryptor
  // builds a keyring trusting exactly that key around it.
  const decryptor =
    options.decryptor ??
    createDecryptor({ keyArn: config.kmsKeyArn, kms: createKmsDecryptClient({ region: regionOfKeyArn(config.kmsKeyArn) ?? config.region }) });
  const relay = createRelay({
    decryptor,
    renderer,
    delivery,
    lookupUser: options.lookupUser ?? createUserLookup(config.region),
    logger,
    scrubber,
    email: defaultProfile.email,
    now: clock.now,
    selectProfile: route || resolveProfile ? selectProfile : undefined,
    beforeSend: options.beforeSend,
    metrics,
  });

  async function prime(): Promise<void> {
    const work: Promise<unknown>[] = [];
    if (decryptor.prime) work.push(decryptor.prime());
    // One render per configured channel compiles its templates once (not sent anywhere).
    for (const channel of [config.email ? 'email' : undefined, config.sms ? 'sms' : undefined]) {
      const rule = TRIGGERS.find((t) => t.channel === channel);
      if (!rule) continue;
      try {
        renderer.render({
          rule,
          code: '000000',
          userName: 'prime',
          userAttributes: {},
          clientMetadata: {},
          userPoolId: `${config.region || 'us-east-1'}_prime`,
          region: config.region || 'us-east-1',
        });
      } catch {
        // A template problem is reported by the invocation that needs the template.
      }
    }
    await Promise.all(work);
  }

  return {
    relay,
    config,
    renderer,
    logger,
    prime,
    profiles,
    async close() {
      await Promise.all([...deliveries.values()].map((d) => d.close()));
      built?.destroy();
    },
  };
}
