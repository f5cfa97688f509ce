/**
 * `cognito-relay attach` / `detach` against a real Cognito emulator (cognito-local) on loopback,
 * whose UpdateUserPool resets omitted settings like the real service. The Lambda resource policy
 * (GetPolicy) is served by a loopback stand-in, since cognito-local only speaks Cognito.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  type CreateUserPoolRequest,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { run as attach } from '../../../src/tools/cli/commands/attach.ts';
import { run as detach } from '../../../src/tools/cli/commands/detach.ts';
import { startCognitoLocal, type CognitoLocal } from '../../support/cognito-local.ts';
import { cognitoInvokeStatement, startLambdaStandin, type LambdaStandin } from '../../support/lambda-standin.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay';
const OTHER_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:someone-elses-sender';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const trigger = (name: string) => `arn:aws:lambda:eu-west-1:111122223333:function:${name}`;

/** A pool with many settings and six other triggers, all of which attach must leave alone. */
const BUSY_POOL: CreateUserPoolRequest = {
  PoolName: 'busy-pool',
  Policies: {
    PasswordPolicy: {
      MinimumLength: 14,
      RequireUppercase: false,
      RequireLowercase: true,
      RequireNumbers: true,
      RequireSymbols: false,
      TemporaryPasswordValidityDays: 3,
    },
  },
  LambdaConfig: {
    PreSignUp: trigger('pre-sign-up'),
    PostConfirmation: trigger('post-confirmation'),
    CustomMessage: trigger('custom-message'),
    DefineAuthChallenge: trigger('define-auth'),
    UserMigration: trigger('user-migration'),
    PreTokenGeneration: trigger('pre-token'),
    PreTokenGenerationConfig: { LambdaArn: trigger('pre-token'), LambdaVersion: 'V2_0' },
  },
  AutoVerifiedAttributes: ['email'],
  EmailVerificationSubject: 'Your code',
  EmailVerificationMessage: 'Your code is {####}',
  SmsVerificationMessage: 'Code: {####}',
  SmsAuthenticationMessage: 'Sign-in code: {####}',
  VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE', EmailSubject: 'Your code', EmailMessage: 'Your code is {####}' },
  MfaConfiguration: 'OPTIONAL',
  DeviceConfiguration: { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: false },
  EmailConfiguration: {
    EmailSendingAccount: 'DEVELOPER',
    SourceArn: 'arn:aws:ses:eu-west-1:111122223333:identity/example.com',
    From: 'Example <no-reply@example.com>',
  },
  SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::111122223333:role/cognito-sms', ExternalId: 'ext-123', SnsRegion: 'eu-west-1' },
  UserPoolTags: { team: 'identity', env: 'test' },
  AdminCreateUserConfig: {
    AllowAdminCreateUserOnly: true,
    InviteMessageTemplate: { EmailSubject: 'Welcome', EmailMessage: 'Hi {username}, password {####}', SMSMessage: '{username} {####}' },
  },
  UserPoolAddOns: { AdvancedSecurityMode: 'AUDIT' },
  AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
  UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
};

function captureIo(env: Record<string, string | undefined>) {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env },
    out: () => out,
    err: () => err,
  };
}

/** Everything a user set on the pool, without the bookkeeping fields that change on every write. */
function settings(pool: UserPoolType): Record<string, unknown> {
  const { LastModifiedDate: _modified, ...rest } = pool;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

describe('cognito-relay attach / detach against cognito-local', () => {
  let cognitoLocal: CognitoLocal;
  let standin: LambdaStandin;
  let cognito: CognitoIdentityProviderClient;
  let env: Record<string, string>;

  before(async () => {
    [cognitoLocal, standin] = await Promise.all([startCognitoLocal(), startLambdaStandin()]);
    cognito = new CognitoIdentityProviderClient({
      region: 'local',
      endpoint: cognitoLocal.url,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    env = {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoLocal.url,
      AWS_ENDPOINT_URL_LAMBDA: standin.url,
      AWS_ENDPOINT_URL_KMS: standin.url,
    };
  });

  after(async () => {
    cognito.destroy();
    await Promise.all([cognitoLocal.close(), standin.close()]);
  });

  async function createPool(request: CreateUserPoolRequest = BUSY_POOL): Promise<UserPoolType> {
    const { UserPool } = await cognito.send(new CreateUserPoolCommand(request));
    assert.ok(UserPool?.Id && UserPool.Arn);
    return UserPool;
  }

  async function describePool(id: string): Promise<UserPoolType> {
    const { UserPool } = await cognito.send(new DescribeUserPoolCommand({ UserPoolId: id }));
    assert.ok(UserPool);
    return UserPool;
  }

  /** The relay function, allowed to be invoked by Cognito for the given pools only. */
  function deployFunction(poolArns: string[], functionArn = FUNCTION_ARN): void {
    standin.functions.set(functionArn, {
      configuration: { FunctionArn: functionArn, Runtime: 'nodejs22.x', Handler: 'index.handler' },
      policy: {
        Version: '2012-10-17',
        Statement: poolArns.map((arn, i) => cognitoInvokeStatement(functionArn, arn, '111122223333', `cognito-${i}`)),
      },
    });
  }

  it('keeps every other setting and trigger and sets both senders and the key when attaching', async () => {
    // Prepare
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const before = await describePool(pool.Id!);
    const { io, out, err } = captureIo(env);

    // Act
    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], io);

    // Assess
    assert.equal(code, 0, err());
    const now = await describePool(pool.Id!);
    assert.deepEqual(now.LambdaConfig, {
      ...BUSY_POOL.LambdaConfig,
      CustomEmailSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
      CustomSMSSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
      KMSKeyID: KEY_ARN,
    });
    const { LambdaConfig: _l1, AdminCreateUserConfig: adminBefore, ...otherBefore } = settings(before);
    const { LambdaConfig: _l2, AdminCreateUserConfig: adminNow, ...otherNow } = settings(now);
    assert.deepEqual(otherNow, otherBefore);
    // Only the setting UpdateUserPool rejects is gone; the same value lives in the password policy.
    const { UnusedAccountValidityDays: _unused, ...adminBeforeKept } = adminBefore as Record<string, unknown>;
    assert.deepEqual(adminNow, adminBeforeKept);
    assert.match(out(), /Reading the user pool/);
    assert.match(out(), /Updating the user pool/);
    assert.match(out(), /every other setting and trigger is as it was/);
  });

  it('prints the exact changes and changes nothing when run with --dry-run', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const before = await describePool(pool.Id!);
    const { io, out, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN, '--dry-run'], io);

    assert.equal(code, 0, err());
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(before));
    const changeLines = out().split('\n').filter((line) => /^ {2}[+~-] /.test(line));
    assert.deepEqual(changeLines.sort(), [
      '  + LambdaConfig.CustomEmailSender.LambdaArn: "arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay"',
      '  + LambdaConfig.CustomEmailSender.LambdaVersion: "V1_0"',
      '  + LambdaConfig.CustomSMSSender.LambdaArn: "arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay"',
      '  + LambdaConfig.CustomSMSSender.LambdaVersion: "V1_0"',
      `  + LambdaConfig.KMSKeyID: "${KEY_ARN}"`,
      `  - AdminCreateUserConfig.UnusedAccountValidityDays: ${String(before.AdminCreateUserConfig?.UnusedAccountValidityDays)}`,
    ].sort());
    assert.match(out(), /Dry run: nothing was changed/);
  });

  it('sets only CustomEmailSender when run with --email-only', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN, '--email-only'], io);

    assert.equal(code, 0, err());
    const config = (await describePool(pool.Id!)).LambdaConfig;
    assert.deepEqual(config?.CustomEmailSender, { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' });
    assert.equal(config?.CustomSMSSender, undefined);
    assert.equal(config?.KMSKeyID, KEY_ARN);
    assert.equal(config?.PreSignUp, trigger('pre-sign-up'));
  });

  it('refuses a bare key ID and says where to find the ARN, without touching the pool', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const before = await describePool(pool.Id!);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', '1234abcd-12ab-34cd-56ef-1234567890ab'], io);

    assert.equal(code, 1);
    assert.match(err(), /not a KMS key ARN/);
    assert.match(err(), /aws kms describe-key/);
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(before));
  });

  it('refuses when Cognito may not invoke the function and prints the add-permission command', async () => {
    const pool = await createPool();
    standin.functions.set(FUNCTION_ARN, { configuration: { FunctionArn: FUNCTION_ARN } }); // no policy at all
    const before = await describePool(pool.Id!);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], io);

    assert.equal(code, 1);
    assert.match(err(), /not allowed to invoke the function/);
    const command = err().split('\n').find((line) => line.includes('aws lambda add-permission'))?.trim();
    assert.equal(
      command,
      `aws lambda add-permission --function-name ${FUNCTION_ARN} --statement-id cognito-relay-${pool.Id} ` +
        '--action lambda:InvokeFunction --principal cognito-idp.amazonaws.com ' +
        `--source-arn ${pool.Arn} --source-account local --region local`,
    );
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(before));
  });

  it('refuses when the invoke permission is limited to a different pool', async () => {
    const pool = await createPool();
    const other = await createPool({ PoolName: 'other' });
    deployFunction([other.Arn!]);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], io);

    assert.equal(code, 1);
    assert.match(err(), new RegExp(`--source-arn ${pool.Arn}`));
    assert.equal((await describePool(pool.Id!)).LambdaConfig?.CustomEmailSender, undefined);
  });

  it('refuses when PreTokenGeneration and PreTokenGenerationConfig name different functions', async () => {
    const pool = await createPool({
      PoolName: 'mismatch',
      LambdaConfig: {
        PreTokenGeneration: trigger('v1-token'),
        PreTokenGenerationConfig: { LambdaArn: trigger('v2-token'), LambdaVersion: 'V2_0' },
      },
    });
    deployFunction([pool.Arn!]);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], io);

    assert.equal(code, 1);
    assert.match(err(), /name different functions/);
    assert.equal((await describePool(pool.Id!)).LambdaConfig?.KMSKeyID, undefined);
  });

  it('refuses to switch the key under a custom SMS sender it is not replacing', async () => {
    const oldKey = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000';
    const pool = await createPool({
      PoolName: 'sms-elsewhere',
      LambdaConfig: { CustomSMSSender: { LambdaArn: OTHER_FUNCTION_ARN, LambdaVersion: 'V1_0' }, KMSKeyID: oldKey },
    });
    deployFunction([pool.Arn!]);
    const { io, err } = captureIo(env);

    const code = await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN, '--email-only'], io);

    assert.equal(code, 1);
    assert.match(err(), /CustomSMSSender uses key/);
    assert.equal((await describePool(pool.Id!)).LambdaConfig?.KMSKeyID, oldKey);
  });

  it('changes nothing and says so when the pool is already attached', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const args = ['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN];
    assert.equal(await attach(args, captureIo(env).io), 0);
    const attached = await describePool(pool.Id!);
    const { io, out } = captureIo(env);

    const code = await attach(args, io);

    assert.equal(code, 0);
    assert.match(out(), /Already attached: nothing to do/);
    assert.doesNotMatch(out(), /Updating the user pool/);
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(attached));
  });

  it('exits 2 with usage when a required option is missing', async () => {
    const { io, err } = captureIo(env);
    assert.equal(await attach(['--user-pool-id', 'local_x'], io), 2);
    assert.match(err(), /Missing --function, --kms-key/);
    assert.match(err(), /Usage: cognito-relay attach/);
  });

  it('removes only the relay triggers and the key when detaching, keeping every other trigger', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const { io: attachIo, err: attachErr } = captureIo(env);
    assert.equal(await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], attachIo), 0, attachErr());
    const attached = await describePool(pool.Id!);
    const { io, out, err } = captureIo(env);

    const code = await detach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN], io);

    assert.equal(code, 0, err());
    const now = await describePool(pool.Id!);
    assert.deepEqual(now.LambdaConfig, BUSY_POOL.LambdaConfig);
    const { LambdaConfig: _a, ...otherAttached } = settings(attached);
    const { LambdaConfig: _b, ...otherNow } = settings(now);
    assert.deepEqual(otherNow, otherAttached);
    assert.match(out(), /- LambdaConfig\.KMSKeyID/);
    assert.match(out(), /Cognito sends its own messages again/);
  });

  it('keeps the SMS sender and the key when detaching with --email-only', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const { io: attachIo } = captureIo(env);
    assert.equal(await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], attachIo), 0);
    const { io, err } = captureIo(env);

    const code = await detach(['--user-pool-id', pool.Id!, '--email-only'], io);

    assert.equal(code, 0, err());
    const config = (await describePool(pool.Id!)).LambdaConfig;
    assert.equal(config?.CustomEmailSender, undefined);
    assert.deepEqual(config?.CustomSMSSender, { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' });
    assert.equal(config?.KMSKeyID, KEY_ARN);
  });

  it('leaves a sender that points at another function in place when detaching with --function', async () => {
    const pool = await createPool({
      PoolName: 'not-ours',
      LambdaConfig: {
        PreSignUp: trigger('pre-sign-up'),
        CustomEmailSender: { LambdaArn: OTHER_FUNCTION_ARN, LambdaVersion: 'V1_0' },
        KMSKeyID: KEY_ARN,
      },
    });
    const before = await describePool(pool.Id!);
    const { io, out } = captureIo(env);

    const code = await detach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN], io);

    assert.equal(code, 0);
    assert.match(out(), /left in place: CustomEmailSender \(points at .*someone-elses-sender\)/);
    assert.match(out(), /Nothing to detach/);
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(before));
  });

  it('changes nothing when detaching with --dry-run', async () => {
    const pool = await createPool();
    deployFunction([pool.Arn!]);
    const { io: attachIo } = captureIo(env);
    assert.equal(await attach(['--user-pool-id', pool.Id!, '--function', FUNCTION_ARN, '--kms-key', KEY_ARN], attachIo), 0);
    const before = await describePool(pool.Id!);
    const { io, out } = captureIo(env);

    const code = await detach(['--user-pool-id', pool.Id!, '--dry-run'], io);

    assert.equal(code, 0);
    assert.match(out(), /- LambdaConfig\.CustomEmailSender\.LambdaArn/);
    assert.deepEqual(settings(await describePool(pool.Id!)), settings(before));
  });
});
