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
export function parseHostedTemplates(json: string | undefined, source: string): { lookup: HostedTemplateLookup; problems: string[] } {
  if (!json?.trim()) return { lookup: { find: () => undefined }, problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { lookup: { find: () => undefined }, problems: [`${source} is not valid JSON (${(error as Error).message})`] };
  }
  const parsed = v.safeParse(Schema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    return { lookup: { find: () => undefined }, problems: [`${source}${path ? `.${path}` : ''}: ${issue.message}`] };
  }
  const map = parsed.output;
  return {
    lookup: {
      find(provider, trigger, locale) {
        const entry = map[provider]?.[trigger];
        if (entry === undefined || typeof entry === 'string') return entry;
        const language = locale.split('-')[0] ?? locale;
        return entry[locale] ?? entry[language] ?? entry.default;
      },
    },
    problems: [],
  };
}

export interface HostedTemplateSource {
  /** The JSON text, or undefined when this source is absent. */
  json: string | undefined;
  /** Where it came from, for messages: `PROVIDER_TEMPLATES`, `templates/provider-templates.json`. */
  source: string;
}

/**
 * Reads the mapping from every source — e.g. the file bundled at build time, then
 * `PROVIDER_TEMPLATES` — a later source overriding an earlier one per provider and trigger, and
 * checks each provider named can send hosted templates and each id has that provider's shape
 * (`idRules`, from the provider registry). Returns every problem, one sentence each.
 *
 * @example
 * const { lookup, problems } = loadHostedTemplates(
 *   [{ json: bundledJson, source: 'templates/provider-templates.json' }, { json: env.PROVIDER_TEMPLATES, source: 'PROVIDER_TEMPLATES' }],
 *   HOSTED_TEMPLATE_IDS,
 * );
 */
export function loadHostedTemplates(
  sources: HostedTemplateSource[],
  idRules?: Readonly<Record<string, { pattern: RegExp; example: string }>>,
): { lookup: HostedTemplateLookup; problems: string[] } {
  const problems: string[] = [];
  const merged: Record<string, Record<string, string | Record<string, string>>> = {};
  for (const { json, source } of sources) {
    if (!json?.trim()) continue;
    const parsed = parseHostedTemplates(json, source);
    problems.push(...parsed.problems);
    if (parsed.problems.length > 0) continue;
    const map = JSON.parse(json) as HostedTemplateMap;
    for (const [provider, triggers] of Object.entries(map)) {
      const rule = idRules?.[provider];
      if (idRules && !rule) {
        problems.push(
          `${source}.${provider}: ${provider} cannot send provider-hosted templates; providers that can: ${Object.keys(idRules).join(', ')}`,
        );
        continue;
      }
      for (const [trigger, entry] of Object.entries(triggers)) {
        const ids = typeof entry === 'string' ? { '': entry } : entry;
        for (const [locale, id] of Object.entries(ids)) {
          if (rule && !rule.pattern.test(id)) {
            const at = [source, provider, trigger, locale].filter(Boolean).join('.');
            problems.push(`${at}: "${id}" is not a ${provider} template id, e.g. ${rule.example}`);
          }
        }
        (merged[provider] ??= {})[trigger] = entry as string | Record<string, string>;
      }
    }
  }
  if (problems.length > 0) return { lookup: { find: () => undefined }, problems };
  return parseHostedTemplates(JSON.stringify(merged), sources.map((s) => s.source).join(' + '));
}
