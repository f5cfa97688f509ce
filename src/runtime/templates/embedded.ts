/**
 * The default template store: user folder over built-ins.
 *
 * This file is the DEVELOPMENT version, used when the code runs unbundled (tsx: tests, sandbox,
 * CLI): it reads the folders from disk and re-reads them when they change. In the Lambda bundle
 * the esbuild plugin (esbuild-plugin.ts) replaces this whole module with generated code that
 * exports the same names over templates embedded as data, so nothing is read from disk at
 * run time. Keep the exports in step with `embeddedModuleSource()` there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateError } from '../errors.ts';
import { BUILTIN_TEMPLATES_DIR, relayConfigPath, userTemplatesDir } from './paths.ts';
import { loadTemplateStoreFromDirs, scanTemplateDir, scanTemplateSets, type TemplateStore } from './store.ts';

/** `filesystem` here; `embedded` in a bundle built with the templates plugin. */
export const templatesSource: 'filesystem' | 'embedded' = 'filesystem';

export function createDefaultTemplateStore(): TemplateStore {
  if (!existsSync(BUILTIN_TEMPLATES_DIR)) {
    throw new TemplateError(
      `built-in templates not found at ${BUILTIN_TEMPLATES_DIR}: a bundle must be built with templatesPlugin() from src/runtime/templates/esbuild-plugin.ts`,
    );
  }
  const userDir = userTemplatesDir();
  return loadTemplateStoreFromDirs([userDir, BUILTIN_TEMPLATES_DIR], {
    hotReload: true,
    names: [`user templates (${userDir})`, 'built-in'],
  });
}

/**
 * The user folder's `provider-templates.json` (provider-hosted template ids), or undefined.
 * The bundle embeds it at build time like the templates.
 */
export function providerTemplatesJson(): string | undefined {
  return scanTemplateDir(userTemplatesDir()).providerTemplates?.json;
}

/** The text of `relay.config.json` (profiles and routes), or undefined without the file. */
export function relayConfigJson(): string | undefined {
  const path = relayConfigPath();
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** The names of the template sets (`@acme`, …) under the user folder. */
export function templateSetNames(): string[] {
  return Object.keys(scanTemplateSets(userTemplatesDir()));
}

/** A profile's templates: its set (`templates/@acme`) over the user folder over the built-ins. */
export function createProfileTemplateStore(set: string): TemplateStore {
  const userDir = userTemplatesDir();
  return loadTemplateStoreFromDirs([join(userDir, set), userDir, BUILTIN_TEMPLATES_DIR], {
    hotReload: true,
    names: [`template set ${set}`, `user templates (${userDir})`, 'built-in'],
  });
}
