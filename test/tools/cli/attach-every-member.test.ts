/**
 * `attach`, `detach` and `doctor` against a pool that has a value for every member DescribeUserPool
 * returns (the installed SDK's model decides what "every" is), on a stand-in with AWS's
 * UpdateUserPool semantics: what a request leaves out is reset. Nothing may be reset.
 */
import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { run as attach } from '../../../src/tools/cli/commands/attach.ts';
import { run as detach } from '../../../src/tools/cli/commands/detach.ts';
import { run as doctor } from '../../../src/tools/cli/commands/doctor.ts';
import { DESCRIBE_MEMBERS, READ_ONLY_FIELDS, UPDATE_MEMBERS } from '../../../src/tools/cli/pool-config.ts';
import { seedEveryMember, startPoolStandin, updateMembers, type PoolStandin } from './pool-standin.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab';
const SDK_VERSION = (createRequire(import.meta.url)('@aws-sdk/client-cognito-identity-provider/package.json') as { version: string }).version;

/**
 * UpdateUserPool's members as the AWS API reference lists them (late 2026): an independent source,
 * so a model that lost one fails here.
 */
const DOCUMENTED_UPDATE_MEMBERS = [
  'UserPoolId', 'PoolName', 'Policies', 'DeletionProtection', 'LambdaConfig', 'AutoVerifiedAttributes',
  'SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject', 'VerificationMessageTemplate',
  'SmsAuthenticationMessage', 'UserAttributeUpdateSettings', 'MfaConfiguration', 'DeviceConfiguration',
  'EmailConfiguration', 'SmsConfiguration', 'UserPoolTags', 'AdminCreateUserConfig', 'UserPoolAddOns',
  'AccountRecoverySetting', 'UserPoolTier', 'KeyConfiguration', 'IssuerConfiguration', 'AcrConfiguration',
  'DcrConfiguration',
];

function captureIo(env: Record<string, string>) {
  let out = '';
  return {
    io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (out += s) }, env },
    out: () => out,
  };
}

/** Every leaf path whose value differs, written independently of the code under test. */
function changedPaths(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) || isObject(after)) {
    const b = isObject(before) ? before : {};
    const a = isObject(after) ? after : {};
    return [...new Set([...Object.keys(b), ...Object.keys(a)])].flatMap((key) => changedPaths(b[key], a[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [path];
}

/** The pool minus the bookkeeping field every write changes. */
function settings(pool: Record<string, unknown>): Record<string, unknown> {
  const { LastModifiedDate: _modified, ...rest } = structuredClone(pool);
  return rest;
}

describe(`attach / detach / doctor keep every UpdateUserPool member (SDK ${SDK_VERSION})`, () => {
  let standin: PoolStandin;
  let seed: Record<string, unknown>;
  let env: Record<string, string>;

  beforeEach(async () => {
    await standin?.close();
    seed = seedEveryMember();
    standin = await startPoolStandin(structuredClone(seed));
    env = {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: standin.url,
      // Nothing else is served: any other call fails instead of leaving the machine.
      AWS_ENDPOINT_URL_LAMBDA: standin.url,
      AWS_ENDPOINT_URL_KMS: standin.url,
    };
  });

  after(async () => {
    await standin?.close();
  });

  const poolId = () => String(seed.Id);
  const attachArgs = () => ['--user-pool-id', poolId(), '--function', FUNCTION_ARN, '--kms-key', KEY_ARN, '--skip-permission-check'];

  it('the SDK model lists every UpdateUserPool member the API reference documents, and every DescribeUserPool field is classified', () => {
    for (const member of DOCUMENTED_UPDATE_MEMBERS) assert.ok(UPDATE_MEMBERS.includes(member), `${member} is missing from the model`);
    const known = new Set([...UPDATE_MEMBERS, 'Id', 'Name', ...READ_ONLY_FIELDS]);
    assert.deepEqual(DESCRIBE_MEMBERS.filter((field) => !known.has(field)), [], 'a describe field is neither updatable nor read-only');
    assert.deepEqual(READ_ONLY_FIELDS.filter((field) => UPDATE_MEMBERS.includes(field)), [], 'a read-only field is updatable');
    for (const field of ['KeyConfiguration', 'IssuerConfiguration', 'AcrConfiguration', 'DcrConfiguration']) {
      assert.ok(field in seed, `the seeded pool has ${field}`);
    }
  });

  it('attach sends every member back and changes only the senders and the key', async () => {
    // Prepare
    const { io, out } = captureIo(env);

    // Act
    const code = await attach(attachArgs(), io);

    // Assess
    assert.equal(code, 0, out());
    assert.equal(standin.updates.length, 1);
    const [request] = standin.updates;
    for (const member of updateMembers()) assert.ok(request![member] !== undefined, `UpdateUserPool request lacks ${member}`);
    const sender = { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' };
    const expected = {
      ...settings(seed),
      LambdaConfig: { ...(seed.LambdaConfig as object), CustomEmailSender: sender, CustomSMSSender: sender, KMSKeyID: KEY_ARN },
    };
    assert.deepEqual(settings(standin.pool), expected);
  });

  it('detach after attach gives back the pool exactly as it was, every member included', async () => {
    // Prepare
    assert.equal(await attach(attachArgs(), captureIo(env).io), 0);
    const { io, out } = captureIo(env);

    // Act
    const code = await detach(['--user-pool-id', poolId()], io);

    // Assess
    assert.equal(code, 0, out());
    const request = standin.updates.at(-1)!;
    for (const member of updateMembers()) {
      if (member !== 'LambdaConfig') assert.deepEqual(request[member], member === 'UserPoolId' ? seed.Id : member === 'PoolName' ? seed.Name : seed[member], member);
    }
    assert.deepEqual(settings(standin.pool), settings(seed));
  });

  it('--dry-run lists exactly the paths the real run then changes, and changes nothing itself', async () => {
    // Prepare: a pool already on another key with an email sender, and the field UpdateUserPool rejects.
    seed.LambdaConfig = { ...(seed.LambdaConfig as object), KMSKeyID: OTHER_KEY_ARN, CustomEmailSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' } };
    (seed.AdminCreateUserConfig as Record<string, unknown>).UnusedAccountValidityDays = 7;
    standin.pool = structuredClone(seed);
    const dryRun = captureIo(env);

    // Act
    const dryCode = await attach([...attachArgs(), '--dry-run'], dryRun.io);
    const listed = [...dryRun.out().matchAll(/^ {2}[+~-] ([\w.[\]-]+):/gm)].map((match) => match[1]).sort();
    assert.deepEqual(standin.updates, [], 'a dry run sends no UpdateUserPool');
    const real = captureIo(env);
    const realCode = await attach(attachArgs(), real.io);

    // Assess
    assert.equal(dryCode, 0, dryRun.out());
    assert.equal(realCode, 0, real.out());
    const changed = changedPaths(settings(seed), settings(standin.pool)).sort();
    assert.deepEqual(listed, changed);
    assert.ok(changed.includes('LambdaConfig.KMSKeyID') && changed.includes('AdminCreateUserConfig.UnusedAccountValidityDays'));
  });

  it('refuses, naming the field, when DescribeUserPool returns a setting the SDK does not model (top level or nested)', async () => {
    for (const [extra, named] of [
      [{ PasskeyRelyingParty: { Id: 'example.com' } }, 'UserPool.PasskeyRelyingParty'],
      [{ LambdaConfig: { ...(seed.LambdaConfig as object), PostSignInHook: 'arn:aws:lambda:eu-west-1:111122223333:function:hook' } }, 'UserPool.LambdaConfig.PostSignInHook'],
    ] as const) {
      // Prepare
      standin.extraWireFields = extra;
      const attached = captureIo(env);
      const detached = captureIo(env);
      const doctored = captureIo(env);

      // Act
      const attachCode = await attach(attachArgs(), attached.io);
      const detachCode = await detach(['--user-pool-id', poolId()], detached.io);
      const doctorCode = await doctor(['--user-pool-id', poolId()], doctored.io);

      // Assess
      assert.equal(attachCode, 1);
      assert.equal(detachCode, 1);
      assert.equal(doctorCode, 1);
      for (const output of [attached.out(), detached.out(), doctored.out()]) assert.ok(output.includes(named), output);
      assert.match(doctored.out(), /✗ attach and detach would refuse this pool/);
      assert.deepEqual(standin.updates, [], 'nothing was sent');
    }
  });

  it('doctor confirms that every setting of a fully configured pool would be kept', async () => {
    // Prepare
    const { io, out } = captureIo(env);

    // Act
    await doctor(['--user-pool-id', poolId()], io);

    // Assess
    assert.ok(out().includes(`every setting UpdateUserPool takes would be sent back unchanged (${UPDATE_MEMBERS.length - 1} set on this pool)`), out());
  });
});
