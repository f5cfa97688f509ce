/**
 * The library API as a user gets it: `npm pack`, installed into an empty folder, and a wrapper
 * Lambda that imports `createHandler` and `defineProvider` from 'cognito-relay' (plain Node, no
 * TypeScript loader) decrypts a real Encryption SDK code through the loopback KMS stand-in and
 * hands the message to its own provider; its `beforeSend` denies a disposable domain. A
 * TypeScript file importing the same names type-checks against the shipped declarations.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startKmsStandIn, type KmsStandIn } from '../../src/tools/local/kms-standin.ts';
import { encryptCognitoCode } from '../../src/tools/local/cognito-encrypt.ts';
import { sampleEvent, SAMPLE_POOL_ID } from '../../src/tools/local/sample-events.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(root, 'node_modules/typescript/bin/tsc');

function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

const WRAPPER = `
import { createHandler, defineProvider } from 'cognito-relay';
const sent = [];
const capture = defineProvider({
  name: 'capture',
  channel: 'email',
  settings: [],
  create: () => ({ async send(message) { sent.push({ to: message.to, subject: message.subject, html: message.html }); return { provider: 'capture', messageId: 'm-' + sent.length }; } }),
});
const handler = createHandler({
  providers: [capture],
  beforeSend: (message) => (message.to.endsWith('@mailinator.com') ? { action: 'deny', reason: 'disposable email domain' } : undefined),
});
const events = JSON.parse(process.argv[2]);
const results = [];
for (const event of events) results.push(await handler(event));
console.log(JSON.stringify({ results, sent }));
`;

describe('the library API from the installed package', { timeout: 300_000 }, () => {
  let work: string;
  let app: string;
  let kms: KmsStandIn;

  before(async () => {
    assert.ok(existsSync(join(root, 'dist/node/src/runtime/index.js')), 'run `npm run build` first');
    kms = await startKmsStandIn({ region: 'eu-west-1' });
    work = mkdtempSync(join(tmpdir(), 'cognito-relay-library-'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-lambda', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-package-lock', join(work, filename)], { cwd: app, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
  });

  after(async () => {
    await kms?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('createHandler runs the relay with a custom provider and a beforeSend hook', async () => {
    writeFileSync(join(app, 'wrapper.mjs'), WRAPPER);
    const keyArn = kms.createKey();
    const encrypt = (plaintext: string) => encryptCognitoCode({ plaintext, keyArn, userPoolId: SAMPLE_POOL_ID, kmsEndpoint: kms.url, region: 'eu-west-1' });
    const events = [
      sampleEvent({ triggerSource: 'CustomEmailSender_SignUp', code: await encrypt('581321'), userAttributes: { email: 'ada@example.com' } }),
      sampleEvent({ triggerSource: 'CustomEmailSender_SignUp', code: await encrypt('581322'), userAttributes: { email: 'x@mailinator.com' } }),
    ];
    const { stdout } = await run(process.execPath, ['wrapper.mjs', JSON.stringify(events)], {
      cwd: app,
      env: userEnv({
        KMS_KEY_ARN: keyArn,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'test-secret',
        AWS_ENDPOINT_URL_KMS: kms.url,
        EMAIL_PROVIDER: 'capture',
        EMAIL_FROM: 'no-reply@example.com',
        LOG_LEVEL: 'SILENT',
      }),
    });
    const { results, sent } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      results: { provider: string; denied?: string }[];
      sent: { to: string; subject: string; html: string }[];
    };
    assert.deepEqual(results.map((r) => [r.provider, r.denied ?? null]), [['capture', null], ['none', 'disposable email domain']]);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.to, 'ada@example.com');
    assert.match(sent[0]!.html, /581321/);
  });

  it('type-checks a TypeScript wrapper against the shipped declarations', async () => {
    writeFileSync(
      join(app, 'wrapper.ts'),
      [
        "import { createHandler, defineProvider, ProviderError, type BeforeSend } from 'cognito-relay';",
        "const policy: BeforeSend = (message) => (message.channel === 'sms' ? { action: 'deny', reason: 'email only' } : undefined);",
        "const mine = defineProvider({ name: 'mine', channel: 'sms', create: () => ({ send: async (m) => { if (!m.to) throw new ProviderError({ provider: 'mine', kind: 'permanent', providerMessage: 'no number' }); return { provider: 'mine' }; } }) });",
        'export const handler = createHandler({ beforeSend: policy, providers: [mine], resolveProfile: (event) => event.userAttributes["custom:tenant"] });',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'es2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['wrapper.ts'] }),
    );
    await run(process.execPath, [TSC, '-p', app], { cwd: app, env: userEnv() });
  });
});
