/**
 * Where template folders live on disk. Used at build time (esbuild plugin) and in development;
 * never imported by the Lambda bundle, which carries the templates as data.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built-in templates shipped with cognito-relay (`src/runtime/templates/builtin`). */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('./builtin', import.meta.url));

/** The repository's user-overridable folder (`<repo>/templates`). */
export const DEFAULT_USER_TEMPLATES_DIR = fileURLToPath(new URL('../../../templates', import.meta.url));

/** `TEMPLATES_DIR` (relative to the working directory) when set, else `<repo>/templates`. */
export function userTemplatesDir(env: Record<string, string | undefined> = process.env): string {
  const configured = env['TEMPLATES_DIR']?.trim();
  return configured ? resolve(configured) : DEFAULT_USER_TEMPLATES_DIR;
}

/** `RELAY_CONFIG` (relative to the working directory) when set, else `<repo>/relay.config.json`. */
export function relayConfigPath(env: Record<string, string | undefined> = process.env): string {
  const configured = env['RELAY_CONFIG']?.trim();
  return configured ? resolve(configured) : fileURLToPath(new URL('../../../relay.config.json', import.meta.url));
}
