#!/usr/bin/env node
// The `cognito-relay` command. The CLI is TypeScript run from the checkout through tsx (a
// devDependency, installed by `npm ci`), so nothing needs building first.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on Node 20 about its 2027 support plans at the first client call; the CLI
// supports Node >= 20.11 (package.json engines), so keep that notice out of every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src/tools/cli/main.ts');
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
// Pooled SMTP connections and SDK keep-alive sockets would otherwise hold the process open.
process.stdout.write('', () => process.exit(code));
