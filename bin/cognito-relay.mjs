#!/usr/bin/env node
// The `cognito-relay` command. In a checkout of the repository it runs the TypeScript sources
// through tsx (a devDependency), so nothing needs building first; in an installed package it runs
// the compiled JavaScript in dist/node (built by `npm run build`, shipped by `npm pack`).
import { existsSync } from 'node:fs';

// The AWS SDK warns on Node 20 about its 2027 support plans at the first client call; the CLI
// supports Node >= 20.11 (package.json engines), so keep that notice out of every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const sources = new URL('../src/tools/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/node/src/tools/cli/main.js'));
}
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
// Pooled SMTP connections and SDK keep-alive sockets would otherwise hold the process open.
process.stdout.write('', () => process.exit(code));
