/**
 * The default template store: user folder over built-ins.
 *
 * This file is the DEVELOPMENT version, used when the code runs unbundled (tsx: tests, sandbox,
 * CLI): it reads the folders from disk and re-reads them when they change. In the Lambda bundle
 * the esbuild plugin (esbuild-plugin.ts) replaces this whole module with generated code that
 * exports the same two names over templates embedded as data, so nothing is read from disk at
 * run time. Keep the exports in step with `embeddedModuleSource()` there.
 */
import { existsSync } from 'node:fs';
import { TemplateError } from '../errors.ts';
import { BUILTIN_TEMPLATES_DIR, userTemplatesDir } from './paths.ts';
import { loadTemplateStoreFromDirs, scanTemplateDir, type TemplateStore } from './store.ts';

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
