/**
 * `relay.config.json`: one relay for many apps and tenants. The file (at the repository root,
 * embedded in the bundle at build time) names *profiles* and the *routes* that pick one per event:
 *
 *   {
 *     "profiles": {
 *       "shop":   { "appName": "Shop", "from": "Shop <no-reply@shop.example>", "templates": "@shop",
 *                   "brand": { "logoUrl": "https://shop.example/logo.png", "primaryColor": "#0a7" },
 *                   "emailProviders": ["ses"], "defaultLocale": "en" },
 *       "globex": { "appName": "Globex", "from": "no-reply@globex.example", "templates": "@globex" }
 *     },
 *     "routes": [
 *       { "clientId": ["6u7c9vr3pkstoogexample"], "profile": "shop" },
 *       { "clientMetadata": { "tenant": "globex" }, "profile": "globex" },
 *       { "userAttribute": { "custom:tenant": "globex" }, "profile": "globex" }
 *     ],
 *     "default": "shop"
 *   }
 *
 * Checked with the same schema at build time (esbuild plugin: unknown profiles, template sets and
 * provider names fail the build) and at cold start. Without the file, one profile comes from the
 * environment as before.
 */
import * as v from 'valibot';
import { ConfigError } from '../errors.ts';
import type { ConfiguredProvider, EmailChannelConfig, Env, RelayConfig, SmsChannelConfig } from './config.ts';
import { parseHostedTemplates, type HostedTemplateLookup } from './hosted-templates.ts';

/** The one profile of a deployment without the file (configured from the environment). */
export const DEFAULT_PROFILE = 'default';

/** The file's name at the repository root. */
export const RELAY_CONFIG_FILE = 'relay.config.json';

/** Brand values templates see as `{{brand.<key>}}`. A fixed set, so the template checks know them. */
export const BRAND_KEYS = ['logoUrl', 'primaryColor', 'accentColor', 'supportEmail', 'supportUrl', 'website'] as const;
export type BrandKey = (typeof BRAND_KEYS)[number];
export type Brand = Partial<Record<BrandKey, string>>;

const ProfileName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'a profile name is letters, digits, - and _ (at most 63)'));
const NonEmpty = v.pipe(v.string(), v.trim(), v.nonEmpty('must not be empty'), v.maxLength(512));
const HttpUrl = v.pipe(v.string(), v.url('must be a URL'), v.regex(/^https?:\/\//, 'must be an http(s) URL'));
const Color = v.pipe(v.string(), v.regex(/^(#[0-9a-f]{3,8}|[a-z]+|rgba?\([\d\s.,%]+\))$/i, 'must be a CSS colour such as #0a7 or teal'));
const Email = v.pipe(v.string(), v.email('must be an email address'));
/** `Name <address>` or a bare address. */
const FromAddress = v.pipe(
  v.string(),
  v.check((value) => parseFrom(value) !== undefined, 'must be an address or "Name <address>"'),
);

const BrandSchema = v.strictObject(
  {
    logoUrl: v.optional(HttpUrl),
    primaryColor: v.optional(Color),
    accentColor: v.optional(Color),
    supportEmail: v.optional(Email),
    supportUrl: v.optional(HttpUrl),
    website: v.optional(HttpUrl),
  },
  `unknown brand key; use ${BRAND_KEYS.join(', ')}`,
);

const ProviderList = v.pipe(v.array(v.pipe(v.string(), v.toLowerCase(), v.nonEmpty())), v.minLength(1, 'needs at least one provider'));

const ProfileSchema = v.strictObject(
  {
    appName: v.optional(v.pipe(v.string(), v.maxLength(200))),
    from: v.optional(FromAddress),
    replyTo: v.optional(Email),
    /** A folder under templates/ whose name starts with `@`, over the root templates and the built-ins. */
    templates: v.optional(v.pipe(v.string(), v.regex(/^@[a-z0-9][a-z0-9._-]*$/i, 'must name a folder under templates/ starting with @, e.g. "@acme"'))),
    brand: v.optional(BrandSchema, {}),
    emailProviders: v.optional(ProviderList),
    smsProviders: v.optional(ProviderList),
    defaultLocale: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale such as en or pt-BR'))),
    /** Same shape as PROVIDER_TEMPLATES: provider → trigger → id (or locale → id). */
    hostedTemplates: v.optional(v.record(v.string(), v.unknown())),
  },
  'unknown profile setting; use appName, from, replyTo, templates, brand, emailProviders, smsProviders, defaultLocale, hostedTemplates',
);

const Match = v.record(v.pipe(v.string(), v.nonEmpty()), v.union([NonEmpty, v.pipe(v.array(NonEmpty), v.minLength(1))]));
const RouteSchema = v.pipe(
  v.strictObject({
    clientId: v.optional(v.union([NonEmpty, v.pipe(v.array(NonEmpty), v.minLength(1))])),
    clientMetadata: v.optional(Match),
    userAttribute: v.optional(Match),
    profile: ProfileName,
  }),
  v.check((route) => route.clientId !== undefined || route.clientMetadata !== undefined || route.userAttribute !== undefined, 'a route needs clientId, clientMetadata or userAttribute'),
);

const FileSchema = v.strictObject({
  $schema: v.optional(v.string()),
  profiles: v.pipe(v.record(ProfileName, ProfileSchema), v.check((p) => Object.keys(p).length > 0, 'needs at least one profile')),
  routes: v.optional(v.array(RouteSchema), []),
  default: ProfileName,
});

export type Route = v.InferOutput<typeof RouteSchema>;
export type RelayFileConfig = v.InferOutput<typeof FileSchema>;

export interface ProfileCheckContext {
  /** Template sets that exist (`@acme`, …); undefined skips the check (no folder to look at). */
  templateSets?: ReadonlySet<string> | undefined;
  /** Provider names the relay knows, per channel. */
  providers?: { email: ReadonlySet<string>; sms: ReadonlySet<string> } | undefined;
}

/** `Name <a@b>` or `a@b` → an address; undefined when it is neither. */
export function parseFrom(value: string): { email: string; name?: string | undefined } | undefined {
  const named = /^\s*"?([^"<>]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (named) return { email: named[2] as string, name: named[1] || undefined };
  return /^[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+$/.test(value.trim()) ? { email: value.trim() } : undefined;
}

/**
 * Parses and checks the file's text. Returns every problem, each naming its place in the file
 * (`relay.config.json: routes.1.profile: …`), instead of throwing.
 */
export function parseRelayConfigFile(json: string, context: ProfileCheckContext = {}, source = RELAY_CONFIG_FILE): { config?: RelayFileConfig; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { problems: [`${source} is not valid JSON (${(error as Error).message})`] };
  }
  const parsed = v.safeParse(FileSchema, raw);
  if (!parsed.success) {
    return {
      problems: parsed.issues.map((issue) => {
        const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
        return `${source}${path ? `: ${path}` : ''}: ${issue.message}`;
      }),
    };
  }
  const config = parsed.output;
  const problems: string[] = [];
  const names = new Set(Object.keys(config.profiles));
  const known = [...names].sort().join(', ');
  if (!names.has(config.default)) problems.push(`${source}: default: unknown profile "${config.default}"; profiles are ${known}`);
  config.routes.forEach((route, index) => {
    if (!names.has(route.profile)) problems.push(`${source}: routes.${index}.profile: unknown profile "${route.profile}"; profiles are ${known}`);
  });
  for (const [name, profile] of Object.entries(config.profiles)) {
    const at = `${source}: profiles.${name}`;
    if (profile.templates && context.templateSets && !context.templateSets.has(profile.templates)) {
      problems.push(`${at}.templates: no folder templates/${profile.templates}/`);
    }
    for (const channel of ['email', 'sms'] as const) {
      const list = channel === 'email' ? profile.emailProviders : profile.smsProviders;
      const knownProviders = context.providers?.[channel];
      for (const provider of list ?? []) {
        if (knownProviders && !knownProviders.has(provider)) {
          problems.push(`${at}.${channel}Providers: unknown ${channel} provider "${provider}"; choose one of ${[...knownProviders].sort().join(', ')}`);
        }
      }
    }
    if (profile.hostedTemplates) {
      problems.push(...parseHostedTemplates(JSON.stringify(profile.hostedTemplates), `${at}.hostedTemplates`).problems);
    }
  }
  return problems.length > 0 ? { problems } : { config, problems };
}

/**
 * The environment loadConfig should see for a deployment with the file: every provider a profile
 * names is loaded (settings and keys stay in the environment, one set per provider; a profile
 * picks which providers and in what order), and the default profile's sender stands in for
 * EMAIL_FROM when the environment has none.
 */
/** The provider chains the environment names (EMAIL_PROVIDERS, else EMAIL_PROVIDER; same for SMS). */
export function environmentChains(env: Env): { email: string[]; sms: string[] } {
  const names = (prefix: string) =>
    ((env[`${prefix}_PROVIDERS`]?.trim() ? env[`${prefix}_PROVIDERS`] : env[`${prefix}_PROVIDER`]) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
  return { email: names('EMAIL'), sms: names('SMS') };
}

export function environmentForProfiles(env: Env, file: RelayFileConfig): Env {
  const out: Env = { ...env };
  const chains = environmentChains(env);
  for (const [channel, key] of [['email', 'emailProviders'], ['sms', 'smsProviders']] as const) {
    const prefix = channel === 'email' ? 'EMAIL' : 'SMS';
    const names = [...new Set([...chains[channel], ...Object.values(file.profiles).flatMap((p) => p[key] ?? [])])];
    if (names.length > 0) out[`${prefix}_PROVIDERS`] = names.join(',');
  }
  const from = file.profiles[file.default]?.from;
  if (!env['EMAIL_FROM']?.trim() && from) {
    const address = parseFrom(from);
    out['EMAIL_FROM'] = address?.email;
    if (address?.name && !env['EMAIL_FROM_NAME']?.trim()) out['EMAIL_FROM_NAME'] = address.name;
  }
  return out;
}

/** One profile, resolved against the loaded configuration: what bootstrap builds from. */
export interface ResolvedProfile {
  name: string;
  appName: string;
  defaultLocale: string;
  /** The template set (`@acme`), or undefined for the root user templates. */
  templates: string | undefined;
  brand: Brand;
  email: EmailChannelConfig | undefined;
  sms: SmsChannelConfig | undefined;
  hostedTemplates: HostedTemplateLookup;
  /** Same chain and hosted templates → same key: such profiles share one delivery. */
  deliveryKey: string;
}

/**
 * The deployment's profiles: the file's, or one `default` profile from the environment alone. A
 * profile without a chain uses the environment's (`environmentChains` of the original
 * environment), or every provider the profiles name when the environment names none.
 */
export function resolveProfiles(config: RelayConfig, file: RelayFileConfig | undefined, defaults: { email: string[]; sms: string[] } = { email: [], sms: [] }): ResolvedProfile[] {
  const chainKey = (email: EmailChannelConfig | undefined, sms: SmsChannelConfig | undefined) =>
    [email?.providers.map((p) => p.definition.name).join(',') ?? '', sms?.providers.map((p) => p.definition.name).join(',') ?? ''].join('|');
  if (!file) {
    return [
      {
        name: DEFAULT_PROFILE,
        appName: config.appName,
        defaultLocale: config.defaultLocale,
        templates: undefined,
        brand: {},
        email: config.email,
        sms: config.sms,
        hostedTemplates: config.hostedTemplates,
        deliveryKey: `${chainKey(config.email, config.sms)}|`,
      },
    ];
  }
  const pick = <C extends 'email' | 'sms'>(all: ConfiguredProvider<C>[], names: string[] | undefined) =>
    names === undefined ? all : names.map((name) => all.find((p) => p.definition.name === name)).filter((p): p is ConfiguredProvider<C> => p !== undefined);
  return Object.entries(file.profiles).map(([name, profile]) => {
    const from = profile.from === undefined ? undefined : parseFrom(profile.from);
    const email: EmailChannelConfig | undefined = config.email && {
      from: from ?? config.email.from,
      replyTo: profile.replyTo ?? config.email.replyTo,
      providers: pick(config.email.providers, profile.emailProviders ?? (defaults.email.length > 0 ? defaults.email : undefined)),
    };
    const sms: SmsChannelConfig | undefined = config.sms && { providers: pick(config.sms.providers, profile.smsProviders ?? (defaults.sms.length > 0 ? defaults.sms : undefined)) };
    const hosted = profile.hostedTemplates ? JSON.stringify(profile.hostedTemplates) : '';
    return {
      name,
      appName: profile.appName ?? config.appName,
      defaultLocale: profile.defaultLocale ?? config.defaultLocale,
      templates: profile.templates,
      brand: profile.brand,
      email,
      sms,
      hostedTemplates: hosted ? parseHostedTemplates(hosted, `profiles.${name}.hostedTemplates`).lookup : config.hostedTemplates,
      deliveryKey: `${chainKey(email, sms)}|${hosted}`,
    };
  });
}

/** Parses the bundled file at cold start; throws one ConfigError listing every problem. */
export function loadRelayFile(json: string | undefined, context: ProfileCheckContext = {}): RelayFileConfig | undefined {
  if (json === undefined) return undefined;
  const { config, problems } = parseRelayConfigFile(json, context);
  if (!config || problems.length > 0) throw new ConfigError(problems);
  return config;
}

const ENV_REFERENCE = /^\$\{([A-Z][A-Z0-9_]*)\}$/;

/**
 * App client ids exist only once the pool is deployed, after the bundle is built: a route may
 * name one as `"${SHOP_CLIENT_ID}"`, read from the function's environment at cold start (the CDK
 * construct or the template sets it). A reference to an unset variable is a configuration error.
 */
export function resolveClientIdReferences(file: RelayFileConfig, env: Env): RelayFileConfig {
  const problems: string[] = [];
  const resolve = (value: string, at: string): string => {
    const name = ENV_REFERENCE.exec(value)?.[1];
    if (name === undefined) return value;
    const resolved = env[name]?.trim();
    if (!resolved) problems.push(`${RELAY_CONFIG_FILE}: ${at}: ${name} is not set; the route names the app client id it holds`);
    return resolved ?? value;
  };
  const routes = file.routes.map((route, index) =>
    route.clientId === undefined
      ? route
      : {
          ...route,
          clientId: Array.isArray(route.clientId) ? route.clientId.map((id, i) => resolve(id, `routes.${index}.clientId.${i}`)) : resolve(route.clientId, `routes.${index}.clientId`),
        },
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...file, routes };
}
