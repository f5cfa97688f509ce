/**
 * esbuild plugin that embeds every template in the Lambda bundle.
 *
 * `src/runtime/templates/index.ts` gets its default store from `./embedded.ts`. Unbundled (tsx), that
 * module reads the folders from disk. When esbuild loads it with this plugin, the plugin answers
 * with generated code instead: the built-in folder plus the user folder as string data, handed to
 * `createTemplateStore`. So the same import works in both worlds and the Lambda never touches
 * the file system for templates.
 *
 * Every template is checked here (folder layout, mustache syntax) so a broken template fails the
 * build rather than a user's sign-up.
 *
 * It is TypeScript: run the build with tsx (`node --import tsx scripts/build.mjs`) or load it
 * with `tsImport` from `tsx/esm/api`.
 *
 * @example
 * import { templatesPlugin } from '../../src/templates/esbuild-plugin.ts';
 * await esbuild.build({ entryPoints: ['src/runtime/lambda/handler.ts'], bundle: true, plugins: [templatesPlugin()] });
 */
import { existsSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import Mustache from 'mustache';
import { readFileSync } from 'node:fs';
import { BUILTIN_TEMPLATES_DIR, relayConfigPath, userTemplatesDir } from './paths.ts';
import { createTemplateStore, scanTemplateDir, scanTemplateSets } from './store.ts';
import { parseRelayConfigFile } from '../config/profiles.ts';
import { knownProviders } from '../providers/registry.ts';
import { checkTemplates, formatTemplateProblem } from './check.ts';

export interface TemplatesPluginOptions {
  /** The user-overridable folder. Default: env `TEMPLATES_DIR` at build time, else `<repo>/templates`. */
  userDir?: string | undefined;
  /** The built-in folder. Default: `src/runtime/templates/builtin`. */
  builtinDir?: string | undefined;
  /** relay.config.json. Default: env `RELAY_CONFIG` at build time, else `<repo>/relay.config.json`. */
  configFile?: string | undefined;
}

const EMBEDDED_MODULE = /[\\/]src[\\/]runtime[\\/]templates[\\/]embedded\.ts$/;
const STORE_MODULE = fileURLToPath(new URL('./store.ts', import.meta.url));

export interface EmbeddedModule {
  /** JavaScript source of the replacement `embedded.ts`. Empty when there are errors. */
  contents: string;
  /** Problems found, one sentence each; the build fails when there is any. */
  errors: string[];
  /** Folders and files esbuild should watch in watch mode. */
  watchDirs: string[];
  watchFiles: string[];
  /** How many files were embedded, per layer. */
  counts: { user: number; builtin: number };
}

/** Builds the replacement module (exported for tests and for tools that bundle another way). */
export function embeddedModuleSource(options: TemplatesPluginOptions = {}): EmbeddedModule {
  const explicitUserDir = options.userDir ?? process.env['TEMPLATES_DIR'];
  const userDir = options.userDir ?? userTemplatesDir();
  const builtinDir = options.builtinDir ?? BUILTIN_TEMPLATES_DIR;
  const errors: string[] = [];

  const user = scanTemplateDir(userDir);
  if (!user.exists && explicitUserDir) {
    errors.push(`templates folder ${userDir} does not exist (set by ${options.userDir ? 'the userDir option' : 'TEMPLATES_DIR'})`);
  }
  const builtin = scanTemplateDir(builtinDir);
  if (!builtin.exists) errors.push(`built-in templates folder ${builtinDir} does not exist`);
  const sets = scanTemplateSets(userDir);
  errors.push(...user.problems, ...builtin.problems, ...Object.values(sets).flatMap((set) => set.problems));

  // Profiles and routes: the same checks as at cold start, plus the ones only the build can make
  // (template sets exist, provider names are known), so an unknown profile never ships.
  const configFile = options.configFile ?? relayConfigPath();
  const configJson = existsSync(configFile) ? readFileSync(configFile, 'utf8') : undefined;
  if (configJson === undefined && (options.configFile !== undefined || process.env['RELAY_CONFIG'])) errors.push(`${configFile} does not exist`);
  const relayFile =
    configJson === undefined
      ? undefined
      : parseRelayConfigFile(
          configJson,
          { templateSets: new Set(Object.keys(sets)), providers: { email: new Set(knownProviders('email')), sms: new Set(knownProviders('sms')) } },
          relative(process.cwd(), configFile) || configFile,
        );
  errors.push(...(relayFile?.problems ?? []));

  // Parse every template now, so a syntax error fails the build rather than a user's sign-up.
  // The bundle ships the sources; for layouts and partials (`_layout.html`, `_footer.html`…),
  // shared by every message and the largest texts, also their tokens, next to the sources:
  // parsing those at cold start made V8 optimise mustache's tokenizer (4–5 MiB of peak memory,
  // see render.ts). Tokens for every file would cost 6.6 kB of zip; for these, ~0.5 kB.
  const writer = new Mustache.Writer();
  const parsedPartials = (scanned: { files: Record<string, string>; sources: Record<string, string> }): Record<string, unknown[]> => {
    const parsed: Record<string, unknown[]> = {};
    for (const [key, text] of Object.entries(scanned.files)) {
      try {
        const tokens = writer.parse(text);
        if (key.includes('/_')) parsed[key] = tokens;
      } catch (error) {
        errors.push(`${scanned.sources[key]} does not parse: ${(error as Error).message}`);
      }
    }
    return parsed;
  };
  const userParsed = parsedPartials(user);
  const builtinParsed = parsedPartials(builtin);
  const setsParsed = Object.fromEntries(Object.entries(sets).map(([name, set]) => [name, parsedPartials(set)]));

  const counts = { user: Object.keys(user.files).length, builtin: Object.keys(builtin.files).length };
  const watchFiles = [
    ...Object.values(user.sources),
    ...Object.values(builtin.sources),
    ...Object.values(sets).flatMap((set) => Object.values(set.sources)),
    ...(configJson === undefined ? [] : [configFile]),
  ];
  const watchDirs = [userDir, builtinDir].filter((dir) => existsSync(dir));
  for (const file of watchFiles) watchDirs.push(dirname(file), dirname(dirname(file)));
  if (errors.length > 0) return { contents: '', errors, watchDirs: [...new Set(watchDirs)], watchFiles, counts };

  const userName = `user templates (${relative(process.cwd(), userDir) || '.'})`;
  const layers = [
    { name: userName, files: user.files, parsed: userParsed },
    { name: 'built-in', files: builtin.files, parsed: builtinParsed },
  ];
  // A message that should carry the code must carry it: every code-bearing part, in every
  // locale, rendered with a sentinel code; misspelt variables and open tags with line and column.
  const sources: Record<string, Record<string, string>> = { [userName]: user.sources, 'built-in': builtin.sources };
  const fileName = (layerName: string, path: string) => relative(process.cwd(), sources[layerName]?.[path] ?? path) || path;
  const problems = checkTemplates(createTemplateStore(layers), { fileName });
  // Each profile as it will send: its set over the rest, with its default locale.
  const setLayers = Object.fromEntries(Object.entries(sets).map(([name, set]) => [name, { name: `template set ${name}`, files: set.files, parsed: setsParsed[name] }]));
  for (const [name, set] of Object.entries(sets)) sources[`template set ${name}`] = set.sources;
  const checked = new Set<string>();
  for (const [profileName, profile] of Object.entries(relayFile?.config?.profiles ?? {})) {
    const key = `${profile.templates ?? ''}|${profile.defaultLocale ?? ''}`;
    if (checked.has(key) || (!profile.templates && !profile.defaultLocale)) continue;
    checked.add(key);
    const set = profile.templates ? setLayers[profile.templates] : undefined;
    const store = createTemplateStore([...(set ? [set] : []), ...layers]);
    const via = `profile ${profileName} (${[profile.templates && `templates/${profile.templates}`, profile.defaultLocale && `default locale ${profile.defaultLocale}`].filter(Boolean).join(', ')})`;
    for (const problem of checkTemplates(store, { fileName, defaultLocale: profile.defaultLocale })) {
      const named = problem.file.startsWith('/') || problem.file.includes(`${profile.templates}/`) ? problem : { ...problem, file: `${via}: ${problem.file}` };
      if (!problems.some((p) => formatTemplateProblem(p) === formatTemplateProblem(named) || formatTemplateProblem(p) === formatTemplateProblem(problem))) problems.push(named);
    }
  }
  if (problems.length > 0) return { contents: '', errors: problems.map(formatTemplateProblem), watchDirs: [...new Set(watchDirs)], watchFiles, counts };
  const contents = [
    '// Generated at build time by src/runtime/templates/esbuild-plugin.ts: every template, embedded.',
    `import { createTemplateStore } from ${JSON.stringify(STORE_MODULE)};`,
    // A JSON string parses faster than the same object as a JavaScript literal, and only when
    // the store is first asked for.
    `const layers = ${JSON.stringify(JSON.stringify(layers))};`,
    "export const templatesSource = 'embedded';",
    'let store;',
    'export function createDefaultTemplateStore() {',
    '  return (store ??= createTemplateStore(JSON.parse(layers)));',
    '}',
    `export function providerTemplatesJson() { return ${JSON.stringify(user.providerTemplates?.json)}; }`,
    `export function relayConfigJson() { return ${JSON.stringify(configJson)}; }`,
    `const sets = ${JSON.stringify(JSON.stringify(setLayers))};`,
    'const setStores = new Map();',
    `export function templateSetNames() { return ${JSON.stringify(Object.keys(sets))}; }`,
    'export function createProfileTemplateStore(set) {',
    '  if (!setStores.has(set)) setStores.set(set, createTemplateStore([JSON.parse(sets)[set], ...JSON.parse(layers)].filter(Boolean)));',
    '  return setStores.get(set);',
    '}',
    '',
  ].join('\n');
  return { contents, errors, watchDirs: [...new Set(watchDirs)], watchFiles, counts };
}

export function templatesPlugin(options: TemplatesPluginOptions = {}): Plugin {
  return {
    name: 'cognito-relay-templates',
    setup(build) {
      build.onLoad({ filter: EMBEDDED_MODULE }, (args) => {
        const module = embeddedModuleSource(options);
        if (module.errors.length > 0) {
          return { errors: module.errors.map((text) => ({ text })), watchDirs: module.watchDirs, watchFiles: module.watchFiles };
        }
        return {
          contents: module.contents,
          loader: 'js',
          resolveDir: dirname(args.path),
          watchDirs: module.watchDirs,
          watchFiles: module.watchFiles,
        };
      });
    },
  };
}
