/**
 * Builds the relay with this example's relay.config.json and templates/ (MJML and React Email
 * sources compiled, every profile checked) into `dist/` here.
 *
 *   node --import tsx examples/many-apps/build.ts
 */
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error plain JavaScript build helper, no type declarations
import { lambdaBuildOptions } from '../../scripts/esbuild-plugins/lambda-options.mjs';
import { templatesPlugin } from '../../src/runtime/templates/esbuild-plugin.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Writes the bundle (index.mjs and its chunks) to `outdir`; throws with every problem found. */
export async function buildManyAppsRelay(outdir = here('./dist')): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    ...lambdaBuildOptions({ plugins: [templatesPlugin({ userDir: here('./templates'), configFile: here('./relay.config.json') })] }),
    entryPoints: { index: here('../../src/runtime/lambda/handler.ts') },
    outdir,
    logLevel: 'warning',
  });
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`built ${await buildManyAppsRelay()}`);
