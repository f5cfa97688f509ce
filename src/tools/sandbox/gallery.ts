/**
 * The template gallery: every trigger × locale rendered with sample values, straight from the
 * template folders on disk through the templates module (the same renderer the Lambda bundle
 * embeds, over a file-system store), with where each file came from and the variables each
 * template may use. `watchTemplates` reports changes so the page can reload.
 *
 * @example
 * const gallery = createGallery({ userDir: 'templates', builtinDir, appName: 'Acme' });
 * const data = gallery.render();
 * const stop = watchTemplates([userDir, builtinDir], () => notify());
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { Brand } from '../../runtime/config/profiles.ts';
import { TRIGGERS, type Channel, type TriggerName } from '../../runtime/cognito/triggers.ts';
import {
  TEMPLATE_VARIABLES,
  createRenderer,
  loadTemplateStoreFromDirs,
  resolveTemplate,
  sampleTemplateVariables,
  type TemplateFile,
  type TemplateStore,
  type TemplateVariableDoc,
} from '../../runtime/templates/index.ts';
import { locateTemplateError } from './template-errors.ts';

export interface TemplateSource {
  /** `built-in` or `templates/` (the user folder). */
  layer: string;
  path: string;
  /** True when the user folder overrides the built-in. */
  user: boolean;
}

export interface GalleryEmail {
  subject: string;
  html: string;
  text: string;
  sources: Partial<Record<TemplateFile, TemplateSource>>;
}

export interface GalleryCard {
  /** The profile of relay.config.json rendered (only when there is the file). */
  profile?: string;
  trigger: TriggerName;
  /** The locale asked for. */
  locale: string;
  /** The locale the HTML body was actually rendered in (differs when it fell back). */
  renderedLocale?: string;
  email?: GalleryEmail;
  sms?: { text: string; source?: TemplateSource };
  /** The render error (a template that does not parse, a missing partial…). */
  errors: string[];
}

export interface GalleryData {
  generatedAt: string;
  /** How the gallery renders: the templates module over the folders on disk, not the bundle. */
  renderedWith: string;
  dirs: { user: string; builtin: string };
  locales: string[];
  triggers: { name: TriggerName; channels: Channel[]; variables: TemplateVariableDoc[] }[];
  cards: GalleryCard[];
  /** Folder layout problems; when there are any, only the built-ins are shown. */
  problems: string[];
  appName: string;
  /** The profiles of relay.config.json, in order; empty without it (cards then have no profile). */
  profiles: string[];
}

/** A profile as the gallery renders it: its template set over the user folder, its name and brand. */
export interface GalleryProfile {
  name: string;
  appName?: string | undefined;
  templates?: string | undefined;
  defaultLocale?: string | undefined;
  brand?: Brand | undefined;
}

export interface GalleryOptions {
  userDir: string;
  builtinDir: string;
  appName?: string | undefined;
  defaultLocale?: string | undefined;
  /** relay.config.json's profiles: the gallery then shows profile × trigger × locale. */
  profiles?: readonly GalleryProfile[] | undefined;
}

const TRIGGER_NAMES = [...new Set(TRIGGERS.map((t) => t.name))];

export function createGallery(options: GalleryOptions) {
  const appName = options.appName ?? 'Example';
  const defaultLocale = options.defaultLocale ?? 'en';
  const names = ['templates/', 'built-in'];

  // The default locale is the one most users get: show it first.
  const defaultFirst = (locales: string[]) => [...locales.filter((l) => l === defaultLocale), ...locales.filter((l) => l !== defaultLocale)];

  function loadStore(): { store: TemplateStore; problems: string[] } {
    try {
      return { store: loadTemplateStoreFromDirs([options.userDir, options.builtinDir], { names }), problems: [] };
    } catch (error) {
      const lines = (error as Error).message.split('\n').map((line) => line.replace(/^\s*-\s*/, '').trim());
      const problems = lines.slice(1).filter(Boolean);
      return {
        store: loadTemplateStoreFromDirs([options.builtinDir], { names: ['built-in'] }),
        problems: problems.length > 0 ? problems : [(error as Error).message],
      };
    }
  }

  function source(store: TemplateStore, trigger: TriggerName, file: TemplateFile, locale: string): TemplateSource | undefined {
    const found = resolveTemplate(store, { trigger, file, locale, defaultLocale });
    return found ? { layer: found.layer, path: found.path, user: found.layer !== 'built-in' } : undefined;
  }

  return {
    /** Every locale with a template folder, user or built-in. */
    locales: (): string[] => defaultFirst(loadStore().store.locales()),
    /** Renders everything now, re-reading the folders (edits show without a restart). */
    render(): GalleryData {
      const { store: rootStore, problems } = loadStore();
      const locales = defaultFirst(rootStore.locales());
      const cards: GalleryCard[] = [];
      for (const profile of options.profiles?.length ? options.profiles : [undefined]) {
        const set = profile?.templates;
        const store = set && problems.length === 0 ? loadTemplateStoreFromDirs([join(options.userDir, set), options.userDir, options.builtinDir], { names: [`templates/${set}`, ...names] }) : rootStore;
        const profileLocale = profile?.defaultLocale ?? defaultLocale;
        const renderer = createRenderer({ store, defaultLocale: profileLocale });
        const profileAppName = profile?.appName ?? appName;
        for (const trigger of TRIGGER_NAMES) {
          const channels = TRIGGERS.filter((t) => t.name === trigger).map((t) => t.channel);
          for (const locale of locales) {
            const card: GalleryCard = { ...(profile ? { profile: profile.name } : {}), trigger, locale, errors: [] };
            for (const channel of channels) {
              const rule = TRIGGERS.find((t) => t.name === trigger && t.channel === channel)!;
              const variables = sampleTemplateVariables(rule, { appName: profileAppName, locale, profile: profile?.name, brand: profile?.brand });
              try {
                if (channel === 'email') {
                  const rendered = renderer.renderEmail(trigger, locale, variables);
                  card.renderedLocale = rendered.locale;
                  const sources: Partial<Record<TemplateFile, TemplateSource>> = {};
                  for (const file of ['email.subject', 'email.html', 'email.txt'] as const) {
                    const found = source(store, trigger, file, locale);
                    if (found) sources[file] = found;
                  }
                  card.email = { subject: rendered.subject, html: rendered.html, text: rendered.text, sources };
                } else {
                  const rendered = renderer.renderSms(trigger, locale, variables);
                  const found = source(store, trigger, 'sms.txt', locale);
                  card.sms = { text: rendered.text, ...(found ? { source: found } : {}) };
                }
              } catch (error) {
                card.errors.push(`${channel}: ${locateTemplateError((error as Error).message, { dirs: [options.userDir], builtinDir: options.builtinDir })}`);
              }
            }
            cards.push(card);
          }
        }
      }
      return {
        generatedAt: new Date().toISOString(),
        renderedWith: 'the templates module over the folders on disk (file-system store); the Lambda bundle embeds the same files at build time',
        dirs: { user: shortPath(options.userDir), builtin: shortPath(options.builtinDir) },
        locales,
        triggers: TRIGGER_NAMES.map((name) => ({
          name,
          channels: TRIGGERS.filter((t) => t.name === name).map((t) => t.channel),
          variables: TEMPLATE_VARIABLES.filter((v) => !v.only || v.only.includes(name)),
        })),
        cards,
        problems,
        appName,
        profiles: (options.profiles ?? []).map((profile) => profile.name),
      };
    },
  };
}

export type Gallery = ReturnType<typeof createGallery>;

/** `templates` rather than `/home/…/repo/templates` when the folder is under the working directory. */
function shortPath(dir: string): string {
  const short = relative(process.cwd(), dir);
  return short && !short.startsWith('..') && !isAbsolute(short) ? short : dir;
}

/**
 * Calls `onChange` (debounced) when anything under the folders changes. Folders that do not
 * exist yet are skipped. Returns a function that stops watching.
 */
export function watchTemplates(dirs: string[], onChange: () => void, debounceMs = 150): () => void {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      const watcher = watch(dir, { recursive: true }, changed);
      watcher.on('error', () => undefined);
      watchers.push(watcher);
    } catch {
      // Recursive watching unsupported here: the page's reload button still works.
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
