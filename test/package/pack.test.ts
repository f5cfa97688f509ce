/**
 * The package as a user gets it: `npm pack`, installed into an empty folder, with nothing from
 * this checkout on the path. The CLI runs from the compiled JavaScript (no tsx), and the CDK
 * construct is imported by a CommonJS CDK app laid out like `cdk init app --language typescript`
 * makes it, and by an ESM one; both synthesize with the packaged zip.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CognitoIdentityProviderClient, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startCognitoLocal, type CognitoLocal } from '../support/cognito-local.ts';
import { cognitoInvokeStatement, startLambdaStandin, type LambdaStandin } from '../support/lambda-standin.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(root, 'node_modules/typescript/bin/tsc');
const TSX = join(root, 'node_modules/tsx/dist/cli.mjs');

/** A user's shell: no repository binaries, no TypeScript loader, quiet npm. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...extra };
}

describe('the npm package, installed outside the checkout', { timeout: 300_000 }, () => {
  let work: string;
  let app: string;

  before(async () => {
    assert.ok(existsSync(join(root, 'dist/node/src/tools/cli/main.js')) && existsSync(join(root, 'dist/lambda.zip')), 'run `npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'cognito-relay-pack-'));
    // --ignore-scripts: the suite already built dist/; prepack would build it again.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
    // Dependencies come from the npm cache that `npm ci` filled (the registry when missing).
    await run('npm', ['install', '--prefer-offline', '--no-package-lock', join(work, filename)], { cwd: app, env: userEnv(), maxBuffer: 64 * 1024 * 1024 });
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships compiled JavaScript, declarations, the Lambda zip and the infrastructure, and no TypeScript sources', () => {
    const installed = join(app, 'node_modules/cognito-relay');
    for (const file of ['dist/lambda.zip', 'dist/lambda/index.mjs', 'dist/node/src/tools/cli/main.js', 'dist/node/infra/cdk/src/cognito-relay.d.ts', 'dist/cdk/index.cjs', 'dist/cdk/index.d.cts', 'infra/cloudformation/cognito-relay.yaml', 'CHANGELOG.md']) {
      assert.ok(existsSync(join(installed, file)), `${file} is missing from the package`);
    }
    assert.ok(!existsSync(join(installed, 'src')), 'TypeScript sources are shipped');
    assert.ok(!existsSync(join(app, 'node_modules/tsx')), 'tsx was installed with the package: the CLI must not need it');
    assert.ok(existsSync(join(installed, 'infra/terraform/modules')) && readdirSync(join(installed, 'infra/terraform/modules')).length > 0);
  });

  it('runs `npx cognito-relay --help` and `simulate` from the compiled CLI', async () => {
    const help = await run('npx', ['--no-install', 'cognito-relay', '--help'], { cwd: app, env: userEnv() });
    assert.match(help.stdout, /attach/);
    assert.match(help.stdout, /simulate/);
    const simulated = await run('npx', ['--no-install', 'cognito-relay', 'simulate', 'SignUp', '--email', 'grace@example.com', '--code', '271828'], {
      cwd: app,
      env: userEnv({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'eu-west-1' }),
    });
    assert.match(simulated.stdout, /271828/);
  });

  describe('attach --dry-run against cognito-local', () => {
    let cognitoLocal: CognitoLocal;
    let lambda: LambdaStandin;

    before(async () => {
      [cognitoLocal, lambda] = await Promise.all([startCognitoLocal(), startLambdaStandin()]);
    });
    after(async () => {
      await Promise.all([cognitoLocal?.close(), lambda?.close()]);
    });

    it('prints the changes and leaves the pool as it was', async () => {
      const cognito = new CognitoIdentityProviderClient({ region: 'eu-west-1', endpoint: cognitoLocal.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const { UserPool } = await cognito.send(new CreateUserPoolCommand({ PoolName: 'packaged' }));
      cognito.destroy();
      assert.ok(UserPool?.Id && UserPool.Arn);
      const functionArn = 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay';
      lambda.functions.set(functionArn, {
        configuration: { FunctionArn: functionArn, Runtime: 'nodejs22.x', Handler: 'index.handler' },
        policy: { Version: '2012-10-17', Statement: [cognitoInvokeStatement(functionArn, UserPool.Arn, '111122223333', 'cognito')] },
      });
      const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      const result = await run('npx', ['--no-install', 'cognito-relay', 'attach', '--user-pool-id', UserPool.Id, '--function', functionArn, '--kms-key', keyArn, '--dry-run'], {
        cwd: app,
        env: userEnv({
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: 'eu-west-1',
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoLocal.url,
          AWS_ENDPOINT_URL_LAMBDA: lambda.url,
        }),
      });
      assert.match(result.stdout, /LambdaConfig\.CustomEmailSender\.LambdaArn/);
      assert.match(result.stdout, /KMSKeyID/);
    });
  });

  describe('the CDK construct from the user’s own CDK app', () => {
    before(() => {
      // The peers and @types/node a CDK app has among its own dependencies, beside the package.
      for (const peer of ['aws-cdk-lib', 'constructs', '@types/node']) {
        const target = join(app, 'node_modules', peer);
        mkdirSync(join(target, '..'), { recursive: true });
        if (!existsSync(target)) symlinkSync(join(root, 'node_modules', peer), target, 'dir');
      }
    });

    /** A CDK app inside the folder the package was installed in (so it resolves it as a user's app does). */
    function cdkApp(name: string, moduleType: 'commonjs' | 'module'): string {
      const dir = join(app, name);
      mkdirSync(join(dir, 'bin'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '0.1.0', private: true, ...(moduleType === 'module' ? { type: 'module' } : {}) }));
      // The compiler options `cdk init app --language typescript` writes (aws-cdk 2.1148).
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            lib: ['es2022'],
            strict: true,
            noImplicitReturns: true,
            skipLibCheck: true,
            noEmit: true,
            isolatedModules: true,
            types: ['node'],
          },
          exclude: ['node_modules', 'cdk.out'],
        }),
      );
      writeFileSync(
        join(dir, 'bin/app.ts'),
        [
          "import { App, Stack } from 'aws-cdk-lib';",
          "import * as cognito from 'aws-cdk-lib/aws-cognito';",
          "import { CognitoRelay } from 'cognito-relay/cdk';",
          '',
          'const app = new App();',
          "const stack = new Stack(app, 'Auth', { env: { account: '111122223333', region: 'eu-west-1' } });",
          "const userPool = new cognito.UserPool(stack, 'Pool');",
          "new CognitoRelay(stack, 'Relay', { userPool, email: { providers: ['ses'], from: 'no-reply@example.com' }, keyAdministrators: [CognitoRelay.deploymentRole(stack)] });",
          'app.synth();',
          '',
        ].join('\n'),
      );
      return dir;
    }

    async function synth(dir: string): Promise<Record<string, unknown>> {
      await run(process.execPath, [TSC, '-p', dir], { cwd: dir, env: userEnv() });
      const out = join(dir, 'cdk.out');
      await run(process.execPath, [TSX, 'bin/app.ts'], { cwd: dir, env: userEnv({ CDK_OUTDIR: out }) });
      // The function's code is the zip the package ships, copied as it is into the cloud assembly.
      const packagedZip = readFileSync(join(app, 'node_modules/cognito-relay/dist/lambda.zip'));
      const assets = readdirSync(out).filter((name) => name.startsWith('asset.') && name.endsWith('.zip'));
      assert.ok(assets.some((name) => readFileSync(join(out, name)).equals(packagedZip)), `no copy of dist/lambda.zip among ${assets.join(', ')}`);
      return JSON.parse(readFileSync(join(out, 'Auth.template.json'), 'utf8')) as Record<string, unknown>;
    }

    function relayFunction(template: Record<string, unknown>): { Handler?: string; Runtime?: string } | undefined {
      const resources = Object.values(template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>);
      return resources.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Handler === 'index.handler')?.Properties as never;
    }

    it('type-checks and synthesizes from a CommonJS app (the cdk init layout)', async () => {
      const template = await synth(cdkApp('cjs-app', 'commonjs'));
      assert.equal(relayFunction(template)?.Runtime, 'nodejs22.x');
    });

    it('type-checks and synthesizes from an ESM app', async () => {
      const template = await synth(cdkApp('esm-app', 'module'));
      assert.equal(relayFunction(template)?.Runtime, 'nodejs22.x');
    });
  });

  it('passes publint', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/publint/src/cli.js'), join(app, 'node_modules/cognito-relay'), '--strict'], { cwd: root, env: userEnv() });
    assert.match(stdout, /All good/);
  });
});
