/**
 * Renders a trigger's templates. Each file is looked up on its own (a user may override only a
 * subject), through the locale chain and the store's layers:
 *
 *   user pt-BR → user pt → built-in pt-BR → built-in pt      (the locale asked for)
 *   → user <default> → built-in <default>                    (the configured default locale)
 *   → user en → built-in en                                  (the built-ins' language)
 *
 * Escaping: HTML outputs escape every value (`& < > " ' / \` =`); text outputs (subject, text
 * body, SMS) insert values verbatim, and the subject loses its line breaks after rendering so a
 * value can never add a mail header.
 */
import Mustache from 'mustache';
import type { TriggerName } from '../cognito/triggers.ts';
import { TemplateError } from '../errors.ts';
import { BUILTIN_DEFAULT_LOCALE, localeChain, normalizeLocale } from './locale.ts';
import {
  CONTENT_PARTIAL,
  partialPath,
  templatePath,
  type PartialKind,
  type TemplateFile,
  type TemplateStore,
} from './store.ts';


/** An HTML template that starts a whole document (`<!doctype html>` or `<html>`) is not wrapped in a layout. */
const WHOLE_DOCUMENT = /^\s*(<!doctype\s|<html[\s>])/i;
export interface RenderedEmail {
  /** One line: CR/LF already replaced by spaces. */
  subject: string;
  html: string;
  text: string;
  /** The locale of the template the HTML body came from. */
  locale: string;
}

export interface RenderedSms {
  text: string;
  /** The locale of the template used. */
  locale: string;
}

export interface TemplateRenderer {
  /** Throws `TemplateError` when a file is missing everywhere, does not parse, or renders empty. */
  renderEmail(trigger: TriggerName, locale: string, vars: Record<string, unknown>): RenderedEmail;
  renderSms(trigger: TriggerName, locale: string, vars: Record<string, unknown>): RenderedSms;
}

export interface RendererOptions {
  store: TemplateStore;
  /** Used when a file is missing in the asked locale; `en` when unset. */
  defaultLocale?: string | undefined;
}

/** A file found for a request: its text and where it came from. */
export interface ResolvedTemplate {
  text: string;
  locale: string;
  /** The layer's name, e.g. `built-in` or the user folder. */
  layer: string;
  /** Relative path inside the layer, e.g. `fr/SignUp/email.subject`. */
  path: string;
}

/**
 * The locales to try, grouped in phases: within a phase every layer is searched (user first)
 * through the whole chain before the next phase. Each locale appears once.
 */
export function lookupPhases(locale: string, defaultLocale: string | undefined): string[][] {
  const seen = new Set<string>();
  const phases: string[][] = [];
  const asked = normalizeLocale(locale);
  const fallback = normalizeLocale(defaultLocale);
  for (const start of [asked, fallback, BUILTIN_DEFAULT_LOCALE]) {
    if (!start) continue;
    const phase = localeChain(start).filter((candidate) => !seen.has(candidate));
    phase.forEach((candidate) => seen.add(candidate));
    if (phase.length > 0) phases.push(phase);
  }
  return phases;
}

function findFile(store: TemplateStore, phases: string[][], pathFor: (locale: string) => string): ResolvedTemplate | undefined {
  const layers = store.layers();
  for (const phase of phases) {
    for (const layer of layers) {
      for (const locale of phase) {
        const path = pathFor(locale);
        const text = layer.files.get(path);
        if (text !== undefined) return { text, locale, layer: layer.name, path };
      }
    }
  }
  return undefined;
}

/**
 * Which file a render would use, and from where (for previews and "overridden" badges).
 *
 * @example resolveTemplate(store, { trigger: 'SignUp', file: 'email.subject', locale: 'fr-CA' })
 * // { locale: 'fr', layer: 'built-in', path: 'fr/SignUp/email.subject', text: '…' }
 */
export function resolveTemplate(
  store: TemplateStore,
  request: { trigger: TriggerName; file: TemplateFile; locale: string; defaultLocale?: string | undefined },
): ResolvedTemplate | undefined {
  const phases = lookupPhases(request.locale, request.defaultLocale);
  return findFile(store, phases, (locale) => templatePath(locale, request.trigger, request.file));
}

function describeSearch(phases: string[][], store: TemplateStore): string {
  return `looked for locales ${phases.flat().join(', ')} in ${store.layers().map((layer) => layer.name).join(', ')}`;
}

interface TokenCache {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  clear(): void;
}

/**
 * Puts the layouts and partials parsed at build time into the writer's cache. Why: mustache.js
 * tokenizes text one character at a time; parsing the HTML layout (3 kB) at cold start made V8
 * optimise its tokenizer there, 4–5 MiB of peak memory and ~6 ms. The cache key is whatever the
 * writer computes for a text: learnt from parsing the empty template through the same cache.
 */
function seedParsedTemplates(mustacheWriter: InstanceType<typeof Mustache.Writer>, store: TemplateStore): void {
  // Each Writer has its own `templateCache` (mustache.js's documented cache interface); the
  // type declarations only list the default writer's.
  const writer = mustacheWriter as InstanceType<typeof Mustache.Writer> & { templateCache?: TokenCache };
  const seeds: Array<[string, unknown[]]> = [];
  for (const layer of store.layers()) {
    for (const [path, tokens] of layer.parsed ?? []) {
      const text = layer.files.get(path);
      if (text !== undefined) seeds.push([text, tokens]);
    }
  }
  if (seeds.length === 0) return;
  const cache = writer.templateCache;
  if (cache === undefined) return;
  let emptyKey: string | undefined;
  writer.templateCache = {
    get: (key) => cache.get(key),
    set: (key, value) => {
      emptyKey ??= key;
      cache.set(key, value);
    },
    clear: () => cache.clear(),
  };
  writer.parse('');
  writer.templateCache = cache;
  if (emptyKey === undefined) return;
  // The key is the text followed by the tags (`<text>:{{:}}` in mustache.js 4).
  const suffix = emptyKey;
  for (const [text, tokens] of seeds) cache.set(text + suffix, tokens);
}

const HTML = { escape: Mustache.escape };
const VERBATIM = { escape: (value: unknown) => String(value) };

/** Replaces every run of line breaks with one space: nothing rendered can start a new header. */
export function toHeaderLine(value: string): string {
  return value.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').trim();
}

/**
 * @example
 * const renderer = createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' });
 * const { subject, html, text } = renderer.renderEmail('SignUp', 'fr', vars);
 */
export function createRenderer(options: RendererOptions): TemplateRenderer {
  const { store, defaultLocale } = options;
  // One writer per renderer: its cache keeps each template parsed once, on first use, so a cold
  // start parses only what the first message needs.
  const writer = new Mustache.Writer();
  seedParsedTemplates(writer, store);

  // `parse` fills the writer's cache (mustache's public API), so a syntax error is reported here
  // with the file's name, and `render` reuses the tokens.
  const parsed = (file: ResolvedTemplate): ResolvedTemplate => {
    try {
      writer.parse(file.text);
    } catch (error) {
      throw new TemplateError(`template ${file.path} (${file.layer}) does not parse: ${(error as Error).message}`, { cause: error });
    }
    return file;
  };

  const required = (phases: string[][], trigger: TriggerName, file: TemplateFile): ResolvedTemplate => {
    const found = findFile(store, phases, (locale) => templatePath(locale, trigger, file));
    if (!found) {
      throw new TemplateError(`no template ${trigger}/${file}: ${describeSearch(phases, store)}`);
    }
    return parsed(found);
  };

  const partialsFor = (phases: string[][], kind: PartialKind, body: ResolvedTemplate) => {
    return (name: string): string => {
      if (name === CONTENT_PARTIAL) return body.text;
      const found = findFile(store, phases, (locale) => partialPath(locale, name, kind));
      if (!found) {
        throw new TemplateError(`partial {{> ${name}}} (used by ${body.path}) not found: no _${name}.${kind}; ${describeSearch(phases, store)}`);
      }
      return parsed(found).text;
    };
  };

  // Renders a body inside `_layout.<kind>` when one resolves, else on its own. A body that is a
  // whole HTML document (compiled from email.mjml or email.tsx) has its own layout already.
  const renderDocument = (phases: string[][], kind: PartialKind, body: ResolvedTemplate, view: Record<string, unknown>): string => {
    const layout = kind === 'html' && WHOLE_DOCUMENT.test(body.text) ? undefined : findFile(store, phases, (locale) => partialPath(locale, 'layout', kind));
    const template = layout ? parsed(layout).text : body.text;
    return render(template, view, partialsFor(phases, kind, body), kind === 'html' ? HTML : VERBATIM, body);
  };

  const render = (
    template: string,
    view: Record<string, unknown>,
    partials: (name: string) => string,
    config: typeof HTML | typeof VERBATIM,
    origin: ResolvedTemplate,
  ): string => {
    try {
      return writer.render(template, view, partials, config);
    } catch (error) {
      if (error instanceof TemplateError) throw error;
      throw new TemplateError(`template ${origin.path} (${origin.layer}) failed to render: ${(error as Error).message}`, { cause: error });
    }
  };

  const nonEmpty = (value: string, origin: ResolvedTemplate): string => {
    if (value.trim() === '') throw new TemplateError(`template ${origin.path} (${origin.layer}) rendered empty`);
    return value;
  };

  return {
    renderEmail(trigger, locale, vars) {
      const phases = lookupPhases(locale, defaultLocale);
      const subjectFile = required(phases, trigger, 'email.subject');
      const htmlFile = required(phases, trigger, 'email.html');
      const textFile = required(phases, trigger, 'email.txt');

      const subject = nonEmpty(toHeaderLine(render(subjectFile.text, vars, partialsFor(phases, 'txt', subjectFile), VERBATIM, subjectFile)), subjectFile);
      const view = { ...vars, subject };
      const html = nonEmpty(renderDocument(phases, 'html', htmlFile, view).trim(), htmlFile);
      const text = `${nonEmpty(renderDocument(phases, 'txt', textFile, view).trim(), textFile)}\n`;
      return { subject, html, text, locale: htmlFile.locale };
    },

    renderSms(trigger, locale, vars) {
      const phases = lookupPhases(locale, defaultLocale);
      const smsFile = required(phases, trigger, 'sms.txt');
      const text = nonEmpty(render(smsFile.text, vars, partialsFor(phases, 'txt', smsFile), VERBATIM, smsFile).trim(), smsFile);
      return { text, locale: smsFile.locale };
    },
  };
}
