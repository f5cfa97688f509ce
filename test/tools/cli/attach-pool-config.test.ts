/**
 * Pure unit tests for src/tools/cli/pool-config.ts: the DescribeUserPool → UpdateUserPool translation
 * (UpdateUserPool resets what it is not given), the LambdaConfig merge, the diff, and the resource-policy reading.
 * Covers what the emulator cannot show (it stores neither UserPoolTier nor DeletionProtection).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import {
  addPermissionCommand,
  attachSenders,
  detachSenders,
  diffPaths,
  findInvokePermission,
  formatDiff,
  isKmsKeyArn,
  PoolConfigError,
  toUpdateInput,
} from '../../../src/tools/cli/pool-config.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const POOL_ARN = 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_AbCdEf123';

/** Shaped like a real DescribeUserPool answer, describe-only fields included. */
function describedPool(): UserPoolType {
  return {
    Id: 'eu-west-1_AbCdEf123',
    Name: 'prod-users',
    Arn: POOL_ARN,
    Status: 'Enabled',
    CreationDate: new Date('2024-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2024-06-01T00:00:00Z'),
    EstimatedNumberOfUsers: 1234,
    SchemaAttributes: [{ Name: 'email', AttributeDataType: 'String', Mutable: true, Required: true }],
    UsernameAttributes: ['email'],
    UsernameConfiguration: { CaseSensitive: false },
    Domain: 'prod-users',
    EmailConfigurationFailure: 'none',
    DeletionProtection: 'ACTIVE',
    UserPoolTier: 'PLUS',
    MfaConfiguration: 'OPTIONAL',
    AdminCreateUserConfig: { AllowAdminCreateUserOnly: true, UnusedAccountValidityDays: 7 },
    Policies: { PasswordPolicy: { MinimumLength: 12, TemporaryPasswordValidityDays: 7 } },
    UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    LambdaConfig: { PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up' },
  };
}

describe('toUpdateInput', () => {
  it('sends back every updatable setting, with the pool ID and name under their update names', () => {
    const { input } = toUpdateInput(describedPool());

    assert.equal(input.UserPoolId, 'eu-west-1_AbCdEf123');
    assert.equal(input.PoolName, 'prod-users');
    assert.equal(input.DeletionProtection, 'ACTIVE');
    assert.equal(input.UserPoolTier, 'PLUS');
    assert.equal(input.MfaConfiguration, 'OPTIONAL');
    assert.deepEqual(input.UserPoolAddOns, { AdvancedSecurityMode: 'ENFORCED' });
    assert.deepEqual(input.LambdaConfig, { PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up' });
  });

  it('leaves out every describe-only field and lists them', () => {
    const { input, readOnly } = toUpdateInput(describedPool());

    for (const field of ['Arn', 'Status', 'CreationDate', 'LastModifiedDate', 'EstimatedNumberOfUsers',
      'SchemaAttributes', 'UsernameAttributes', 'UsernameConfiguration', 'Domain', 'EmailConfigurationFailure']) {
      assert.equal(field in input, false, field);
      assert.ok(readOnly.includes(field), field);
    }
  });

  it('drops AdminCreateUserConfig.UnusedAccountValidityDays and says why', () => {
    const { input, notes } = toUpdateInput(describedPool());

    assert.deepEqual(input.AdminCreateUserConfig, { AllowAdminCreateUserOnly: true });
    assert.ok(notes.some((note) => note.includes('UnusedAccountValidityDays')));
  });

  it('notes that the tier cannot be sent back when DescribeUserPool omitted it', () => {
    const pool = describedPool();
    delete pool.UserPoolTier;

    const { notes } = toUpdateInput(pool);

    assert.ok(notes.some((note) => note.includes('UserPoolTier')));
  });

  it('fills PreTokenGeneration from PreTokenGenerationConfig when only the config is set', () => {
    const pool = describedPool();
    pool.LambdaConfig = { PreTokenGenerationConfig: { LambdaArn: 'arn:aws:lambda:eu-west-1:111122223333:function:tok', LambdaVersion: 'V2_0' } };

    const { input } = toUpdateInput(pool);

    assert.equal(input.LambdaConfig?.PreTokenGeneration, 'arn:aws:lambda:eu-west-1:111122223333:function:tok');
    assert.equal(input.LambdaConfig?.PreTokenGenerationConfig?.LambdaVersion, 'V2_0');
  });

  it('refuses when PreTokenGeneration and PreTokenGenerationConfig disagree', () => {
    const pool = describedPool();
    pool.LambdaConfig = {
      PreTokenGeneration: 'arn:aws:lambda:eu-west-1:111122223333:function:a',
      PreTokenGenerationConfig: { LambdaArn: 'arn:aws:lambda:eu-west-1:111122223333:function:b', LambdaVersion: 'V1_0' },
    };

    assert.throws(() => toUpdateInput(pool), (error: unknown) => error instanceof PoolConfigError && error.code === 'POOL_PRE_TOKEN_MISMATCH');
  });

  it('refuses a pool with a field it does not know, since UpdateUserPool might reset it', () => {
    const pool = { ...describedPool(), ShinyNewSetting: { On: true } } as UserPoolType;

    assert.throws(() => toUpdateInput(pool), /ShinyNewSetting/);
  });

  it('does not share objects with the described pool', () => {
    const pool = describedPool();
    const { input } = toUpdateInput(pool);
    input.Policies!.PasswordPolicy!.MinimumLength = 6;

    assert.equal(pool.Policies?.PasswordPolicy?.MinimumLength, 12);
  });
});

describe('attachSenders', () => {
  it('adds both senders with LambdaVersion V1_0 and the key, keeping every other trigger', () => {
    const { input } = toUpdateInput(describedPool());

    const after = attachSenders(input, { functionArn: FUNCTION_ARN, keyArn: KEY_ARN, email: true, sms: true });

    assert.deepEqual(after.LambdaConfig, {
      PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up',
      CustomEmailSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
      CustomSMSSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
      KMSKeyID: KEY_ARN,
    });
    assert.equal(after.DeletionProtection, 'ACTIVE');
    assert.equal(input.LambdaConfig?.CustomEmailSender, undefined, 'the input is left untouched');
  });

  it('refuses a key ID, an alias and an alias ARN', () => {
    const { input } = toUpdateInput(describedPool());
    for (const keyArn of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/cognito', 'arn:aws:kms:eu-west-1:111122223333:alias/cognito']) {
      assert.throws(() => attachSenders(input, { functionArn: FUNCTION_ARN, keyArn, email: true, sms: true }),
        (error: unknown) => error instanceof PoolConfigError && error.code === 'KEY_NOT_ARN', keyArn);
    }
  });

  it('refuses a function name where an ARN is needed', () => {
    const { input } = toUpdateInput(describedPool());
    assert.throws(() => attachSenders(input, { functionArn: 'cognito-relay', keyArn: KEY_ARN, email: true, sms: false }), /not a Lambda function ARN/);
  });

  it('allows replacing the key when every custom sender is replaced with it', () => {
    const pool = describedPool();
    pool.LambdaConfig = { CustomSMSSender: { LambdaArn: 'arn:aws:lambda:eu-west-1:111122223333:function:old', LambdaVersion: 'V1_0' }, KMSKeyID: 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000' };
    const { input } = toUpdateInput(pool);

    const after = attachSenders(input, { functionArn: FUNCTION_ARN, keyArn: KEY_ARN, email: true, sms: true });

    assert.equal(after.LambdaConfig?.KMSKeyID, KEY_ARN);
    assert.equal(after.LambdaConfig?.CustomSMSSender?.LambdaArn, FUNCTION_ARN);
  });
});

describe('detachSenders', () => {
  it('removes the senders and the key once no custom sender is left', () => {
    const { input } = toUpdateInput(describedPool());
    const attached = attachSenders(input, { functionArn: FUNCTION_ARN, keyArn: KEY_ARN, email: true, sms: true });

    const { input: after, removed } = detachSenders(attached, { functionArn: FUNCTION_ARN, email: true, sms: true });

    assert.deepEqual(after.LambdaConfig, { PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up' });
    assert.deepEqual(removed, ['CustomEmailSender', 'CustomSMSSender', 'KMSKeyID']);
  });
});

describe('diffPaths / formatDiff', () => {
  it('lists only changed leaf paths, marking added, removed and changed values', () => {
    const entries = diffPaths(
      { A: { B: 1, C: [1, 2] }, D: 'same', E: 'gone' },
      { A: { B: 2, C: [1, 2] }, D: 'same', F: { G: true } },
    );

    assert.equal(formatDiff(entries), '  ~ A.B: 1 → 2\n  - E: "gone"\n  + F.G: true\n');
  });

  it('says so when nothing changes', () => {
    assert.equal(formatDiff(diffPaths({ A: 1 }, { A: 1 })), '  (no changes)\n');
  });
});

describe('findInvokePermission', () => {
  const statement = (condition?: Record<string, Record<string, string>>) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 's1', Effect: 'Allow', Principal: { Service: 'cognito-idp.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: FUNCTION_ARN, ...(condition ? { Condition: condition } : {}) }],
    });

  it('accepts a statement limited to the pool by SourceArn', () => {
    assert.deepEqual(findInvokePermission(statement({ ArnLike: { 'AWS:SourceArn': POOL_ARN } }), POOL_ARN), {
      status: 'scoped',
      statementId: 's1',
      sourceAccount: false,
    });
    assert.deepEqual(
      findInvokePermission(statement({ ArnLike: { 'AWS:SourceArn': POOL_ARN }, StringEquals: { 'AWS:SourceAccount': '111122223333' } }), POOL_ARN),
      { status: 'scoped', statementId: 's1', sourceAccount: true },
    );
  });

  it('accepts a wildcard SourceArn that covers the pool', () => {
    const pattern = 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/*';
    assert.equal(findInvokePermission(statement({ ArnLike: { 'AWS:SourceArn': pattern } }), POOL_ARN).status, 'scoped');
  });

  it('reports a statement without SourceArn as unscoped (confused deputy)', () => {
    assert.equal(findInvokePermission(statement(), POOL_ARN).status, 'unscoped');
  });

  it('reports missing for another pool, another principal, a Deny, or no policy', () => {
    const otherPool = POOL_ARN.replace('AbCdEf123', 'Other');
    assert.equal(findInvokePermission(statement({ ArnLike: { 'AWS:SourceArn': otherPool } }), POOL_ARN).status, 'missing');
    assert.equal(findInvokePermission(statement().replace('cognito-idp', 'sns'), POOL_ARN).status, 'missing');
    assert.equal(findInvokePermission(statement().replace('"Allow"', '"Deny"'), POOL_ARN).status, 'missing');
    assert.equal(findInvokePermission(undefined, POOL_ARN).status, 'missing');
  });
});

describe('addPermissionCommand', () => {
  it('limits the permission to the pool and its account', () => {
    assert.equal(
      addPermissionCommand(FUNCTION_ARN, POOL_ARN),
      `aws lambda add-permission --function-name ${FUNCTION_ARN} --statement-id cognito-relay-eu-west-1_AbCdEf123 ` +
        '--action lambda:InvokeFunction --principal cognito-idp.amazonaws.com ' +
        `--source-arn ${POOL_ARN} --source-account 111122223333 --region eu-west-1`,
    );
  });
});

describe('isKmsKeyArn', () => {
  it('accepts single- and multi-region key ARNs in any partition', () => {
    assert.ok(isKmsKeyArn(KEY_ARN));
    assert.ok(isKmsKeyArn('arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab'));
    assert.ok(isKmsKeyArn('arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
  });
});
