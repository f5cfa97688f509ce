/**
 * The esbuild options of the Lambda bundle, shared by scripts/build.mjs and the tests that must
 * exercise exactly what ships (test/perf builds src/runtime/crypto/decrypt.ts with these to prove the
 * optimised Encryption SDK path equals the official one).
 *
 * @example
 * import { lambdaBuildOptions } from './esbuild-plugins/lambda-options.mjs';
 * await build({ ...lambdaBuildOptions(), entryPoints: { index: 'src/runtime/lambda/handler.ts' }, outdir });
 */
import { replacedInternalsPlugin } from './replaced-internals.mjs';
import { runtimeSdkPlugin } from './runtime-sdk.mjs';

/**
 * @param {{ plugins?: import('esbuild').Plugin[], awsServiceClients?: 'runtime' | 'bundle' | string[] }} [options]
 *   plugins: extra plugins (the build adds the templates one);
 *   awsServiceClients: which AWS SDK clients besides KMS are bundled (default: Secrets Manager;
 *   the others come from the runtime; see runtime-sdk.mjs)
 * @returns {import('esbuild').BuildOptions}
 */
export function lambdaBuildOptions(options = {}) {
  return {
    bundle: true,
    splitting: true,
    // Short names: each chunk's name is written in the importing code and twice in the zip's
    // directory; `[name]-[hash]` under `chunks/` cost 0.9 kB of zip.
    chunkNames: '[hash]',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // ES module builds first (the AWS SDK's and the Encryption SDK's `module` entries): esbuild can
    // then drop their unused exports, which it cannot do for CommonJS.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    // Some CommonJS dependencies call require() for Node built-ins; give ESM output one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    plugins: [replacedInternalsPlugin(), runtimeSdkPlugin({ serviceClients: options.awsServiceClients }), ...(options.plugins ?? [])],
    logLevel: 'warning',
  };
}
