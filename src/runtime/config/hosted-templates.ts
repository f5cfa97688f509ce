/**
 * Provider-hosted templates: which template id (or alias) a provider should use for a trigger
 * and locale, instead of the locally rendered content.
 *
 * Given as JSON in `PROVIDER_TEMPLATES` (or the file `provider-templates.json` in the templates
 * folder, bundled at build time):
 *
 *   { "sendgrid": { "SignUp": "d-123…", "ForgotPassword": { "en": "d-456…", "fr": "d-789…" } },
 *     "twilio":   { "Authentication": "HX…" } }
 *
 * A trigger without a mapping falls back to the local template.
 */
import * as v from 'valibot';
import { TRIGGERS, type TriggerName } from '../cognito/triggers.ts';

const TRIGGER_NAMES = [...new Set(TRIGGERS.map((t) => t.name))] as [TriggerName, ...TriggerName[]];

const TemplateId = v.pipe(v.string(), v.nonEmpty(), v.maxLength(256));
const PerTrigger = v.union([TemplateId, v.record(v.string(), TemplateId)]);
const Schema = v.record(v.string(), v.record(v.picklist(TRIGGER_NAMES, 'unknown trigger name'), PerTrigger));

export type HostedTemplateMap = v.InferOutput<typeof Schema>;

export interface HostedTemplateLookup {
  /** The template id for this provider, trigger and locale (exact, then language, then `default`/any). */
  find(provider: string, trigger: TriggerName, locale: string): string | undefined;
}

/** Parses the mapping; returns problems (one sentence each) instead of throwing. */
export function parseHostedTemplates(
  json: string | undefined,
  source: string,
): { lookup: HostedTemplateLookup; problems: string[]; map: HostedTemplateMap } {
  if (!json?.trim()) return { lookup: { find: () => undefined }, problems: [], map: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { lookup: { find: () => undefined }, problems: [`${source} is not valid JSON (${(error as Error).message})`], map: {} };
  }
  const parsed = v.safeParse(Schema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return { lookup: { find: () => undefined }, problems: [`${source}${path ? `.${path}` : ''}: ${issue.message}`], map: {} };
  }
  return { lookup: lookupOf(parsed.output), problems: [], map: parsed.output };
}

function lookupOf(map: Record<string, Record<string, string | Record<string, string>> | undefined>): HostedTemplateLookup {
  return {
    find(provider, trigger, locale) {
      const entry = map[provider]?.[trigger];
      if (entry === undefined || typeof entry === 'string') return entry;
      const language = locale.split('-')[0] ?? locale;
      return entry[locale] ?? entry[language] ?? entry.default;
    },
  };
}

export interface HostedTemplateSource {
  /** The JSON text, or undefined when this source is absent. */
  json: string | undefined;
  /** Where it came from, for messages: `PROVIDER_TEMPLATES`, `templates/provider-templates.json`. */
  source: string;
}

/** Which providers a deployment uses, for `loadHostedTemplates`. */
export interface HostedTemplateScope {
  /** Configured providers by name, with their id shape (undefined: it cannot send hosted templates). */
  configured: ReadonlyMap<string, { pattern: RegExp; example: string } | undefined>;
  /** Every provider name the relay knows. */
  known: ReadonlySet<string>;
}

/**
 * Reads the mapping from every source — e.g. the file bundled at build time, then
 * `PROVIDER_TEMPLATES` — a later source overriding an earlier one per provider and trigger, and
 * checks each provider named can send hosted templates and each id has that provider's shape.
 * Returns every problem, one sentence each.
 *
 * The rules come from the `scope`: the deployment's configured providers, each with its
 * definition's `hostedTemplateId`. An entry for a
 * provider the relay knows but this deployment does not configure is ignored with a warning: the
 * file is shared by deployments that use different providers (staging on SMTP, production on
 * SendGrid), and nothing would send through that entry. A name the relay does not know at all is
 * a typo and refused, as is a configured provider that cannot host templates.
 *
 * @example
 * const { lookup, problems, warnings } = loadHostedTemplates(
 *   [{ json: bundledJson, source: 'templates/provider-templates.json' }, { json: env.PROVIDER_TEMPLATES, source: 'PROVIDER_TEMPLATES' }],
 *   { configured: new Map([['sendgrid', sendgrid.hostedTemplateId]]), known: new Set(['sendgrid', 'smtp', …]) },
 * );
 */
export function loadHostedTemplates(
  sources: HostedTemplateSource[],
  scope: HostedTemplateScope,
): { lookup: HostedTemplateLookup; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const merged: Record<string, Record<string, string | Record<string, string>>> = {};
  for (const { json, source } of sources) {
    if (!json?.trim()) continue;
    const parsed = parseHostedTemplates(json, source);
    problems.push(...parsed.problems);
    if (parsed.problems.length > 0) continue;
    const map = parsed.map;
    for (const [provider, triggers] of Object.entries(map)) {
      if (!scope.configured.has(provider)) {
        if (scope.known.has(provider)) {
          warnings.push(`${source}.${provider}: ignored, ${provider} is not a configured provider`);
        } else {
          problems.push(`${source}.${provider}: unknown provider "${provider}"; known providers: ${[...scope.known].sort().join(', ')}`);
        }
        continue;
      }
      const rule = scope.configured.get(provider);
      if (!rule) {
        const able = [...scope.configured].filter(([, r]) => r).map(([name]) => name);
        problems.push(
          `${source}.${provider}: ${provider} cannot send provider-hosted templates${able.length > 0 ? `; ${able.join(', ')} can` : ''}`,
        );
        continue;
      }
      for (const [trigger, entry] of Object.entries(triggers)) {
        const ids = typeof entry === 'string' ? { '': entry } : entry;
        for (const [locale, id] of Object.entries(ids)) {
          if (!rule.pattern.test(id)) {
            const at = [source, provider, trigger, locale].filter(Boolean).join('.');
            problems.push(`${at}: "${id}" is not a ${provider} template id, e.g. ${rule.example}`);
          }
        }
        (merged[provider] ??= {})[trigger] = entry;
      }
    }
  }
  return { lookup: problems.length > 0 ? { find: () => undefined } : lookupOf(merged), problems, warnings };
}
