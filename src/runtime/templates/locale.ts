/**
 * Locale choice and fallback. The locale picks a template folder, so anything that does not look
 * like a language tag is dropped here: a hostile `clientMetadata.locale` such as `../../etc`
 * never reaches a lookup.
 */

/** Default language of the built-in templates; the last fallback of every lookup. */
export const BUILTIN_DEFAULT_LOCALE = 'en';

// BCP-47-ish: a 2–3 letter language, then subtags of letters and digits. `_` is accepted
// (POSIX `fr_FR`) and becomes `-`. Long enough for `zh-Hant-TW`, short enough to stay a tag.
const LOCALE_SHAPE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/;
const MAX_LOCALE_LENGTH = 35;

/**
 * Canonical spelling of a locale tag, or undefined when the value is not one.
 * Accepts `fr_FR`, `FR-fr`, POSIX `fr_FR.UTF-8` and an Accept-Language list (`fr-FR,fr;q=0.9`,
 * first entry wins).
 *
 * @example normalizeLocale('FR-fr') // 'fr-FR'
 * @example normalizeLocale('zh_hant_tw') // 'zh-Hant-TW'
 * @example normalizeLocale('../../etc') // undefined
 */
export function normalizeLocale(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const candidate = (value.split(',')[0] ?? '')
    .split(';')[0]!
    .replace(/[.@].*$/, '')
    .trim();
  if (candidate.length > MAX_LOCALE_LENGTH || !LOCALE_SHAPE.test(candidate)) return undefined;
  const [language, ...rest] = candidate.split(/[-_]/);
  const subtags = rest.map((subtag) => {
    if (/^[A-Za-z]{4}$/.test(subtag)) return subtag[0]!.toUpperCase() + subtag.slice(1).toLowerCase();
    if (/^(?:[A-Za-z]{2}|\d{3})$/.test(subtag)) return subtag.toUpperCase();
    return subtag.toLowerCase();
  });
  return [language!.toLowerCase(), ...subtags].join('-');
}

/**
 * The locale and its less specific parents, most specific first.
 *
 * @example localeChain('zh-Hant-TW') // ['zh-Hant-TW', 'zh-Hant', 'zh']
 */
export function localeChain(locale: string): string[] {
  const parts = locale.split('-');
  const chain: string[] = [];
  for (let length = parts.length; length > 0; length--) chain.push(parts.slice(0, length).join('-'));
  return chain;
}

export interface LocaleSources {
  clientMetadata?: Record<string, string> | null | undefined;
  userAttributes?: Record<string, string> | undefined;
  /** The configured default; `en` when missing or not a locale. */
  defaultLocale?: string | undefined;
}

/**
 * The locale to render a message in: `clientMetadata.locale` (what the app passed with the API
 * call), then the user's `locale` attribute (standard Cognito attribute), then `custom:locale`,
 * then the default. Values that are not locale tags are skipped, not fatal.
 *
 * @example resolveLocale({ clientMetadata: { locale: 'fr_CA' }, defaultLocale: 'en' }) // 'fr-CA'
 */
export function resolveLocale(sources: LocaleSources): string {
  const candidates = [
    sources.clientMetadata?.['locale'],
    sources.userAttributes?.['locale'],
    sources.userAttributes?.['custom:locale'],
    sources.defaultLocale,
  ];
  for (const candidate of candidates) {
    const locale = normalizeLocale(candidate);
    if (locale) return locale;
  }
  return BUILTIN_DEFAULT_LOCALE;
}
