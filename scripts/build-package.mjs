#!/usr/bin/env node
// Builds what the npm package ships besides the Lambda (scripts/build.mjs):
//   dist/node/   the CLI, the sandbox and the CDK construct as JavaScript with type declarations
//                (tsc, `.ts` imports rewritten to `.js`), plus the files they read at run time
//                (built-in templates, the sandbox's web UI, the Lambda runner);
//   dist/cdk/    the CDK construct as one CommonJS file with its declarations, for CDK apps made
//                by `cdk init app --language typescript` (CommonJS) and older toolchains.
// The package's `bin` runs dist/node when the TypeScript sources are not there (an installed package).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist/node');
const cdkOut = join(root, 'dist/cdk');
rmSync(out, { recursive: true, force: true });
rmSync(cdkOut, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// Files the compiled code reads next to itself: everything under src/ that tsc does not emit.
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!name.endsWith('.ts')) {
      const target = join(out, relative(root, path));
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(path, target);
    }
  }
}
copyAssets(join(root, 'src'));

// CommonJS: `import.meta.url` does not exist there; the construct uses it only to find the
// package root, so it becomes this file's own URL.
await build({
  entryPoints: [join(root, 'infra/cdk/src/cognito-relay.ts')],
  outfile: join(cdkOut, 'index.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'],
  define: { 'import.meta.url': '__cognitoRelayModuleUrl' },
  banner: { js: "const __cognitoRelayModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
// The construct's declarations name only aws-cdk-lib and constructs, so the same text serves
// CommonJS consumers as a .d.cts.
const declarations = readFileSync(join(out, 'infra/cdk/src/cognito-relay.d.ts'), 'utf8');
if (/from '\.\.?\//.test(declarations)) throw new Error('build-package: cognito-relay.d.ts imports a local module; dist/cdk/index.d.cts needs it too');
writeFileSync(join(cdkOut, 'index.d.cts'), declarations);
console.log('built dist/node (CLI, sandbox, CDK construct) and dist/cdk/index.cjs');
