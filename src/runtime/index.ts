/**
 * The library API, for teams who wrap the relay in their own Lambda:
 *
 *   import { createHandler, defineProvider } from 'cognito-relay';
 *   export const handler = createHandler({
 *     beforeSend: (message, event) => (isDisposable(message.to) ? { action: 'deny', reason: 'disposable domain' } : undefined),
 *     resolveProfile: (event) => event.clientMetadata.brand,
 *     providers: [defineProvider({ name: 'in-house', channel: 'email', settings: [], create: () => ({ send: … }) })],
 *   });
 *
 * The handler is the same pipeline as the packaged Lambda (core/bootstrap.ts + core/relay.ts):
 * configuration from the environment and relay.config.json, checked once per cold start; custom
 * providers get the same retries, failover, circuit breaker and duplicate protection.
 */
import type { Channel } from './cognito/triggers.ts';
import type { Env, SecretReader } from './config/config.ts';
import { bootstrap, type Bootstrapped } from './core/bootstrap.ts';
import type { BeforeSend, BeforeSendResult, HookEvent, InvocationContext, RelayResult } from './core/relay.ts';
import { RelayError } from './errors.ts';
import type { RelayLogger } from './observability/logger.ts';
import type { MetricsSink } from './observability/metrics.ts';
import type { Delivered, EmailMessage, EmailProvider, Message, ProviderDefinition, ProviderDeps, SendContext, SettingSpec, SmsMessage, SmsProvider } from './providers/types.ts';

export { ProviderError, type ProviderFailureKind } from './errors.ts';
export type { BeforeSend, BeforeSendResult, HookEvent, RelayResult, Message, EmailMessage, SmsMessage, Delivered, SendContext, SettingSpec, ProviderDefinition };

export interface CreateHandlerOptions {
  /** Where settings come from; `process.env` by default. */
  env?: Env | undefined;
  /**
   * Sees each message before it is sent. Return nothing (or `{ action: 'send' }`) to send it,
   * `{ action: 'deny', reason }` to drop it (logged, counted as `outcome: denied`, and the
   * invocation succeeds so Cognito does not retry), or `{ action: 'modify', message }` to send
   * another message (same channel; it must still carry the code). A hook that throws fails the
   * invocation with its message.
   */
  beforeSend?: BeforeSend | undefined;
  /** Picks a profile of relay.config.json by name; undefined lets the file's routes decide. */
  resolveProfile?: ((event: HookEvent) => string | undefined | Promise<string | undefined>) | undefined;
  /** Your own providers (see `defineProvider`); name them in EMAIL_PROVIDERS / SMS_PROVIDERS or a profile's chain. */
  providers?: readonly ProviderDefinition[] | undefined;
  /** relay.config.json as an object or its text, instead of the file (RELAY_CONFIG or the package root). */
  relayConfig?: object | string | undefined;
  /** Powertools logger from the settings unless given. */
  logger?: RelayLogger | undefined;
  /** EMF metrics on Lambda unless given. */
  metrics?: MetricsSink | undefined;
  /** How `*_SECRET_ARN` / `*_PARAMETER` settings are read; Secrets Manager and SSM unless given. */
  readSecret?: SecretReader | undefined;
}

export type RelayHandler = ((event: unknown, context?: InvocationContext) => Promise<RelayResult>) & {
  /** Resolves when the relay is built (or rejects with every configuration problem). */
  ready: Promise<Bootstrapped>;
};

/**
 * A Lambda handler for CustomEmailSender and CustomSMSSender. The relay is built at once (in
 * Lambda's init phase when called at module level); a bad configuration fails every invocation
 * with the full list of problems instead of crashing the init.
 */
export function createHandler(options: CreateHandlerOptions = {}): RelayHandler {
  const relayConfig = typeof options.relayConfig === 'object' ? JSON.stringify(options.relayConfig) : options.relayConfig;
  const ready = bootstrap(options.env ?? process.env, {
    relayConfig,
    beforeSend: options.beforeSend,
    resolveProfile: options.resolveProfile,
    customProviders: options.providers,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.readSecret ? { readSecret: options.readSecret } : {}),
  }).then(async (built) => {
    await built.prime();
    return built;
  });
  // Reported by the invocations; not an unhandled rejection at init.
  ready.catch(() => {});
  const handler = async (event: unknown, context: InvocationContext = {}): Promise<RelayResult> => {
    const built = await ready;
    return built.relay.handle(event, context);
  };
  return Object.assign(handler, { ready });
}

type ProviderOf<C extends Channel> = C extends 'email' ? EmailProvider : SmsProvider;
type MessageOf<C extends Channel> = C extends 'email' ? EmailMessage : SmsMessage;

/** A custom provider: its name, channel, settings (read from the environment) and how to send. */
export interface CustomProvider<C extends Channel> {
  name: string;
  channel: C;
  /** Environment settings it reads, validated at cold start with the relay's own. */
  settings?: SettingSpec[] | undefined;
  /**
   * True when the service deduplicates on `ctx.idempotencyKey`: a send whose outcome is unknown
   * (timeout after the request left) may then be repeated without a second message.
   */
  idempotent?: boolean | undefined;
  create(
    settings: Record<string, string | undefined>,
    deps: ProviderDeps,
  ): {
    /** Resolve when accepted; throw `ProviderError` (`kind`: retryable, permanent, unknown) otherwise. */
    send(message: MessageOf<C>, ctx: SendContext): Promise<Delivered>;
    close?(): Promise<void>;
  };
}

/**
 * Turns your provider into one the relay drives like its own: retries on `retryable`, failover to
 * the next provider of the chain, the circuit breaker, duplicate protection. An error that is not a
 * `ProviderError` counts as a permanent failure of this provider: the next one in the chain is tried.
 */
export function defineProvider<C extends Channel>(provider: CustomProvider<C>): ProviderDefinition<C> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(provider.name)) {
    throw new RelayError('CONFIG_INVALID', `defineProvider: name "${provider.name}" must be lower-case letters, digits and dashes (it is how settings name it)`);
  }
  return {
    name: provider.name,
    channel: provider.channel,
    settings: provider.settings ?? [],
    create(settings, deps) {
      const built = provider.create(settings, deps);
      const instance = {
        name: provider.name,
        channel: provider.channel,
        idempotent: provider.idempotent === true,
        send: (message: Message, ctx: SendContext) => built.send(message as MessageOf<C>, ctx),
        ...(built.close ? { close: () => built.close!() } : {}),
      };
      return instance as unknown as ProviderOf<C>;
    },
  };
}
