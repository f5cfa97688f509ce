/**
 * Where template text comes from. A store is a stack of layers (user folder first, built-ins
 * last); each layer maps a relative path to the file's text:
 *
 *   <locale>/<TriggerName>/email.subject | email.html | email.txt | sms.txt
 *   <locale>/_<partial>.html | _<partial>.txt        (layout, footer, code box…)
 *
 * On Lambda the layers are embedded in the bundle (see esbuild-plugin.ts); in development,
 * tests and the sandbox they are read from folders, optionally re-read when files change.
 * Request data never becomes a file path: folders are scanned up front into maps.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TRIGGERS, type TriggerName } from '../cognito/triggers.ts';
import { TemplateError } from '../errors.ts';
import { normalizeLocale } from './locale.ts';
import { AUTHORED_FILES, compileAuthoredTemplate } from './authoring.ts';

export const TEMPLATE_FILES = ['email.subject', 'email.html', 'email.txt', 'sms.txt'] as const;
export type TemplateFile = (typeof TEMPLATE_FILES)[number];
/** Partials exist for HTML (`_name.html`) and text (`_name.txt`) rendering. */
export type PartialKind = 'html' | 'txt';

export interface TemplateLayer {
  /** Shown in errors, e.g. `user templates (/repo/templates)` or `built-in`. */
  readonly name: string;
  /** Relative path (`fr/SignUp/email.subject`, `en/_layout.html`) → file text. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * Relative path → mustache's tokens for that file's text, parsed at build time (embedded
   * layers, layouts and partials only; see esbuild-plugin.ts). The renderer starts with them in
   * its cache instead of parsing those files at cold start.
   */
  readonly parsed?: ReadonlyMap<string, unknown[]> | undefined;
}

export interface TemplateStore {
  /** The file for exactly this locale, from the highest-priority layer that has it. */
  get(locale: string, trigger: TriggerName, file: TemplateFile): string | undefined;
  /** The partial `_<name>.<kind>` for exactly this locale. */
  partial(locale: string, name: string, kind: PartialKind): string | undefined;
  /** Every locale any layer has a folder for, sorted. */
  locales(): string[];
  /** The layers, highest priority first (the renderer walks them to resolve fallbacks). */
  layers(): readonly TemplateLayer[];
}

export function templatePath(locale: string, trigger: TriggerName, file: TemplateFile): string {
  return `${locale}/${trigger}/${file}`;
}

export function partialPath(locale: string, name: string, kind: PartialKind): string {
  return `${locale}/_${name}.${kind}`;
}

/**
 * A store over in-memory layers, highest priority first.
 *
 * @example
 * const store = createTemplateStore([
 *   { name: 'user', files: { 'en/SignUp/email.subject': 'Welcome aboard' } },
 * ]);
 */
export function createTemplateStore(
  layers: ReadonlyArray<{
    name: string;
    files: Record<string, string> | ReadonlyMap<string, string>;
    parsed?: Record<string, unknown[]> | undefined;
  }>,
): TemplateStore {
  const frozen: TemplateLayer[] = layers.map((layer) => ({
    name: layer.name,
    files: layer.files instanceof Map ? layer.files : new Map(Object.entries(layer.files)),
    parsed: layer.parsed === undefined ? undefined : new Map(Object.entries(layer.parsed)),
  }));
  return storeOver(() => frozen);
}

function storeOver(currentLayers: () => readonly TemplateLayer[]): TemplateStore {
  const first = (path: string): string | undefined => {
    for (const layer of currentLayers()) {
      const text = layer.files.get(path);
      if (text !== undefined) return text;
    }
    return undefined;
  };
  return {
    get: (locale, trigger, file) => first(templatePath(locale, trigger, file)),
    partial: (locale, name, kind) => first(partialPath(locale, name, kind)),
    locales: () => {
      const locales = new Set<string>();
      for (const layer of currentLayers()) {
        for (const path of layer.files.keys()) locales.add(path.slice(0, path.indexOf('/')));
      }
      return [...locales].sort();
    },
    layers: currentLayers,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading folders

const TRIGGER_BY_LOWERCASE = new Map(TRIGGERS.map((rule) => [rule.name.toLowerCase(), rule.name]));
const SMS_TRIGGERS = new Set(TRIGGERS.filter((rule) => rule.channel === 'sms').map((rule) => rule.name));
const PARTIAL_FILE = /^_([A-Za-z0-9][A-Za-z0-9_-]*)\.(html|txt)$/;
/** The trigger body is passed to layouts as `{{> content}}`; a file cannot take that name. */
export const CONTENT_PARTIAL = 'content';

function ignored(name: string): boolean {
  return name.startsWith('.') || /^readme(\.|$)/i.test(name);
}

function readText(path: string): string {
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The optional provider-hosted template mapping that sits at the top of a templates folder. */
export const PROVIDER_TEMPLATES_FILE = 'provider-templates.json';

export interface ScannedTemplateDir {
  /** False when the folder does not exist (a user folder is optional). */
  exists: boolean;
  /** Relative path → text, with locale folders normalised (`pt_br` → `pt-BR`). */
  files: Record<string, string>;
  /** Relative path → the file it was read from. */
  sources: Record<string, string>;
  /** Misplaced or misspelt entries, one sentence each. Empty when the folder is well formed. */
  problems: string[];
  /** The text of `provider-templates.json`, when the folder has one (checked at cold start). */
  providerTemplates?: { json: string; path: string } | undefined;
}

/**
 * Reads one template folder and checks its layout, so a typo (`Signup/`, `email.htm`) is
 * reported instead of silently falling back to a built-in. README files, dot files and
 * top-level folders starting with `_` (e.g. `_example/`) or `@` (template sets) are ignored.
 */
export function scanTemplateDir(dir: string): ScannedTemplateDir {
  const files: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const problems: string[] = [];
  if (!isDirectory(dir)) return { exists: false, files, sources, problems };
  const add = (key: string, path: string): void => {
    files[key] = readText(path);
    sources[key] = path;
  };

  const seenLocales = new Map<string, string>();
  let providerTemplates: ScannedTemplateDir['providerTemplates'];
  for (const top of readdirSync(dir).sort()) {
    if (ignored(top)) continue;
    const topPath = join(dir, top);
    if (top === PROVIDER_TEMPLATES_FILE && !isDirectory(topPath)) {
      providerTemplates = { json: readText(topPath), path: topPath };
      continue;
    }
    if (!isDirectory(topPath)) {
      problems.push(`${topPath}: unexpected file; templates go in <locale>/<Trigger>/ folders (e.g. en/SignUp/email.subject)`);
      continue;
    }
    // `_example/` is documentation; `@acme/` is a profile's template set (scanTemplateSets).
    if (top.startsWith('_') || top.startsWith(TEMPLATE_SET_PREFIX)) continue;
    const locale = normalizeLocale(top);
    if (!locale) {
      problems.push(`${topPath}: "${top}" is not a locale folder name such as en, fr or pt-BR; put trigger folders inside a locale folder (e.g. en/${top}/)`);
      continue;
    }
    const clash = seenLocales.get(locale);
    if (clash) {
      problems.push(`${topPath}: same locale as ${join(dir, clash)} (${locale}); keep one of them`);
      continue;
    }
    seenLocales.set(locale, top);

    for (const entry of readdirSync(topPath).sort()) {
      if (ignored(entry)) continue;
      const entryPath = join(topPath, entry);
      if (isDirectory(entryPath)) {
        const trigger = TRIGGER_BY_LOWERCASE.get(entry.toLowerCase());
        if (!trigger) {
          problems.push(`${entryPath}: unknown trigger "${entry}"; expected one of ${TRIGGERS.filter((t) => t.channel === 'email').map((t) => t.name).join(', ')}`);
          continue;
        }
        const entries = readdirSync(entryPath).sort();
        for (const file of entries) {
          if (ignored(file)) continue;
          const filePath = join(entryPath, file);
          const compilesTo = AUTHORED_FILES[file];
          if (compilesTo && !isDirectory(filePath)) {
            const others = entries.filter((other) => other !== file && (other === compilesTo || AUTHORED_FILES[other] === compilesTo));
            if (others.length > 0) {
              problems.push(`${filePath}: ${others.join(' and ')} in the same folder also make ${compilesTo}; keep one`);
              continue;
            }
            try {
              files[templatePath(locale, trigger, compilesTo)] = compileAuthoredTemplate(filePath);
              sources[templatePath(locale, trigger, compilesTo)] = filePath;
            } catch (error) {
              problems.push(`${filePath} does not compile: ${(error as Error).message}`);
            }
            continue;
          }
          if (!(TEMPLATE_FILES as readonly string[]).includes(file) || isDirectory(filePath)) {
            problems.push(`${filePath}: unexpected file; a trigger folder holds ${TEMPLATE_FILES.join(', ')} (or email.mjml / email.tsx instead of email.html)`);
            continue;
          }
          if (file === 'sms.txt' && !SMS_TRIGGERS.has(trigger)) {
            problems.push(`${filePath}: Cognito sends ${trigger} by email only; remove sms.txt`);
            continue;
          }
          add(templatePath(locale, trigger, file as TemplateFile), filePath);
        }
        continue;
      }
      const partial = PARTIAL_FILE.exec(entry);
      if (!partial) {
        problems.push(`${entryPath}: unexpected file; a locale folder holds trigger folders and partials named _<name>.html or _<name>.txt`);
        continue;
      }
      if (partial[1] === CONTENT_PARTIAL) {
        problems.push(`${entryPath}: "${CONTENT_PARTIAL}" is reserved for the trigger body ({{> content}}); rename the partial`);
        continue;
      }
      add(partialPath(locale, partial[1]!, partial[2] as PartialKind), entryPath);
    }
  }
  return { exists: true, files, sources, problems, providerTemplates };
}

/** Top-level folders of the user folder starting with this are profile template sets. */
export const TEMPLATE_SET_PREFIX = '@';

/**
 * The template sets of a user folder (`templates/@acme/<locale>/<Trigger>/…`), each scanned like
 * a templates folder of its own. A profile of relay.config.json names one; its files go over the
 * root user templates and the built-ins.
 */
export function scanTemplateSets(dir: string): Record<string, ScannedTemplateDir> {
  const sets: Record<string, ScannedTemplateDir> = {};
  if (!isDirectory(dir)) return sets;
  for (const top of readdirSync(dir).sort()) {
    if (top.startsWith(TEMPLATE_SET_PREFIX) && isDirectory(join(dir, top))) sets[top] = scanTemplateDir(join(dir, top));
  }
  return sets;
}

export interface FolderTemplateStore extends TemplateStore {
  /** Reads the folders again now. */
  reload(): void;
}

export interface LoadOptions {
  /**
   * Re-read the folders when a file was added, removed or changed (checked at most once per
   * synchronous render, by comparing sizes and modification times). For the sandbox and
   * development; Lambda uses the embedded store.
   */
  hotReload?: boolean | undefined;
  /** Layer names for errors; defaults to the folder paths. */
  names?: string[] | undefined;
}

/**
 * A store over template folders, the first folder winning (pass the user folder before the
 * built-in one). Missing folders are empty layers. Throws `TemplateError` listing every layout
 * problem.
 *
 * @example
 * const store = loadTemplateStoreFromDirs(['./templates', builtinTemplatesDir], { hotReload: true });
 */
export function loadTemplateStoreFromDirs(dirs: string[], options: LoadOptions = {}): FolderTemplateStore {
  let layers: TemplateLayer[] = [];
  let fingerprint = '';
  let checkedThisTurn = false;

  const read = (): void => {
    const problems: string[] = [];
    layers = dirs.map((dir, index) => {
      const scanned = scanTemplateDir(dir);
      problems.push(...scanned.problems);
      return { name: options.names?.[index] ?? dir, files: new Map(Object.entries(scanned.files)) };
    });
    fingerprint = options.hotReload ? fingerprintDirs(dirs) : '';
    if (problems.length > 0) {
      throw new TemplateError(`template folders are not laid out as expected:\n  - ${problems.join('\n  - ')}`);
    }
  };

  const current = (): readonly TemplateLayer[] => {
    if (options.hotReload && !checkedThisTurn) {
      checkedThisTurn = true;
      queueMicrotask(() => {
        checkedThisTurn = false;
      });
      if (fingerprintDirs(dirs) !== fingerprint) read();
    }
    return layers;
  };

  read();
  return { ...storeOver(current), reload: read };
}

function fingerprintDirs(dirs: string[]): string {
  const parts: string[] = [];
  const walk = (path: string, depth: number): void => {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return;
    }
    if (!stats.isDirectory()) {
      parts.push(`${path}:${stats.size}:${stats.mtimeMs}`);
      return;
    }
    parts.push(`${path}/`);
    if (depth > 3) return;
    for (const name of readdirSync(path)) walk(join(path, name), depth + 1);
  };
  for (const dir of dirs) walk(dir, 0);
  return parts.join('\n');
}
