/**
 * Messages and templates: locale choice, template variables, rendering, and the default store
 * (embedded in the Lambda bundle, read from disk in development — see embedded.ts).
 *
 * The esbuild plugin is deliberately not exported here, so the Lambda bundle never pulls in
 * esbuild: import it from `src/runtime/templates/esbuild-plugin.ts`.
 *
 * @example
 * const renderer = createRenderer({ store: defaultTemplateStore(), defaultLocale: 'en' });
 * const locale = resolveLocale({ clientMetadata, userAttributes, defaultLocale: 'en' });
 * const vars = buildTemplateVariables({ rule, code, userName, userAttributes, clientMetadata,
 *   userPoolId, region, appName: 'Acme', locale });
 * const email = renderer.renderEmail(rule.name, locale, vars);
 */
import { createDefaultTemplateStore, createProfileTemplateStore, providerTemplatesJson, relayConfigJson, templateSetNames, templatesSource } from './embedded.ts';
import type { TemplateStore } from './store.ts';

export { BUILTIN_DEFAULT_LOCALE, localeChain, normalizeLocale, resolveLocale, type LocaleSources } from './locale.ts';
export {
  TEMPLATE_VARIABLES,
  buildTemplateVariables,
  checkLinkBaseUrl,
  linkBaseUrlProblem,
  sampleTemplateVariables,
  type LinkAction,
  type LinkVariables,
  type SignInDetails,
  type TemplateVariableDoc,
  type TemplateVariables,
  type TemplateVariablesInput,
} from './variables.ts';
export {
  createRenderer,
  lookupPhases,
  resolveTemplate,
  toHeaderLine,
  type RenderedEmail,
  type RenderedSms,
  type TemplateRenderer,
  type RendererOptions,
  type ResolvedTemplate,
} from './render.ts';
export {
  TEMPLATE_FILES,
  createTemplateStore,
  loadTemplateStoreFromDirs,
  partialPath,
  scanTemplateDir,
  templatePath,
  type FolderTemplateStore,
  type LoadOptions,
  type PartialKind,
  type ScannedTemplateDir,
  type TemplateFile,
  type TemplateLayer,
  type TemplateStore,
} from './store.ts';
export { templatesSource, providerTemplatesJson, relayConfigJson, templateSetNames, createProfileTemplateStore };

let defaultStore: TemplateStore | undefined;

/**
 * User templates over built-ins: embedded when bundled, from disk (hot reloaded) otherwise.
 * Created on first call and kept.
 */
export function defaultTemplateStore(): TemplateStore {
  return (defaultStore ??= createDefaultTemplateStore());
}
