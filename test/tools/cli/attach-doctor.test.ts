/**
 * `cognito-relay doctor` against cognito-local (the pool) and the loopback Lambda/KMS stand-in
 * (function configuration, resource policy, async invoke settings, DescribeKey).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CognitoIdentityProviderClient, CreateUserPoolCommand, type LambdaConfigType } from '@aws-sdk/client-cognito-identity-provider';
import { run as doctor } from '../../../src/tools/cli/commands/doctor.ts';
import { startCognitoLocal, type CognitoLocal } from '../../support/cognito-local.ts';
import { cognitoInvokeStatement, startLambdaStandin, type LambdaStandin, type StandinFunction } from '../../support/lambda-standin.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:cognito-relay';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:111122223333:cognito-relay-dlq';

describe('cognito-relay doctor', () => {
  let cognitoLocal: CognitoLocal;
  let standin: LambdaStandin;
  let cognito: CognitoIdentityProviderClient;
  let env: Record<string, string>;

  before(async () => {
    [cognitoLocal, standin] = await Promise.all([startCognitoLocal(), startLambdaStandin()]);
    cognito = new CognitoIdentityProviderClient({ region: 'local', endpoint: cognitoLocal.url, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
    env = {
      AWS_ACCESS_KEY_ID: 't',
      AWS_SECRET_ACCESS_KEY: 't',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoLocal.url,
      AWS_ENDPOINT_URL_LAMBDA: standin.url,
      AWS_ENDPOINT_URL_KMS: standin.url,
    };
    standin.keys.set(KEY_ARN, { Arn: KEY_ARN, KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', KeyState: 'Enabled', Enabled: true, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
  });

  after(async () => {
    cognito.destroy();
    await Promise.all([cognitoLocal.close(), standin.close()]);
  });

  const WIRED: LambdaConfigType = {
    PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up',
    CustomEmailSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
    CustomSMSSender: { LambdaArn: FUNCTION_ARN, LambdaVersion: 'V1_0' },
    KMSKeyID: KEY_ARN,
  };

  /** A pool plus a function as the CDK construct deploys it; `change` breaks one thing. */
  async function setUp(lambdaConfig: LambdaConfigType, change: (fn: StandinFunction) => void = () => {}) {
    const { UserPool } = await cognito.send(new CreateUserPoolCommand({ PoolName: 'doctor', LambdaConfig: lambdaConfig }));
    const fn: StandinFunction = {
      configuration: { FunctionArn: FUNCTION_ARN, Runtime: 'nodejs22.x', Handler: 'index.handler', State: 'Active', Environment: { Variables: { KMS_KEY_ARN: KEY_ARN } } },
      policy: { Version: '2012-10-17', Statement: [cognitoInvokeStatement(FUNCTION_ARN, UserPool!.Arn!, 'local')] },
      eventInvokeConfig: { MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: DLQ_ARN } } },
    };
    change(fn);
    standin.functions.set(FUNCTION_ARN, fn);
    return UserPool!.Id!;
  }

  async function runDoctor(poolId: string) {
    let out = '';
    let err = '';
    const code = await doctor(['--user-pool-id', poolId], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env });
    return { code, out, err };
  }

  it('passes every check and exits 0 when the pool is wired correctly', async () => {
    const { code, out } = await runDoctor(await setUp(WIRED));

    assert.equal(code, 0, out);
    assert.doesNotMatch(out, /✗/);
    for (const line of [/✓ Email messages go to .*cognito-relay \(LambdaVersion V1_0\)/, /✓ SMS messages go to/, /✓ The key is enabled/,
      /✓ The key is symmetric/, /✓ Cognito may invoke it for this pool only/, /✓ Runtime nodejs22\.x/, /✓ Handler index\.handler/,
      /✓ KMS_KEY_ARN matches/, new RegExp(`✓ Failed deliveries go to ${DLQ_ARN}`), /All checks passed/]) {
      assert.match(out, line);
    }
  });

  it('fails and says how to fix it when the function decrypts with a different key', async () => {
    const { code, out } = await runDoctor(await setUp(WIRED, (fn) => {
      fn.configuration.Environment = { Variables: { KMS_KEY_ARN: OTHER_KEY_ARN } };
    }));

    assert.equal(code, 1);
    assert.match(out, new RegExp(`✗ KMS_KEY_ARN is ${OTHER_KEY_ARN} but the pool encrypts with ${KEY_ARN}`));
    assert.match(out, new RegExp(`fix: set KMS_KEY_ARN=${KEY_ARN} on the function`));
  });

  it('fails with the add-permission command when Cognito may not invoke the function', async () => {
    const { code, out } = await runDoctor(await setUp(WIRED, (fn) => delete fn.policy));

    assert.equal(code, 1);
    assert.match(out, /✗ Cognito is not allowed to invoke the function/);
    assert.match(out, /fix: aws lambda add-permission .*--principal cognito-idp\.amazonaws\.com --source-arn arn:aws:cognito-idp:local:local:userpool\//);
  });

  it('fails when the key is disabled, not symmetric, or given as a bare key ID', async () => {
    const disabledKey = 'arn:aws:kms:eu-west-1:111122223333:key/11111111-1111-1111-1111-111111111111';
    standin.keys.set(disabledKey, { Arn: disabledKey, KeyId: '1111', KeyState: 'Disabled', Enabled: false, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    const disabled = await runDoctor(await setUp({ ...WIRED, KMSKeyID: disabledKey }));
    const bareId = await runDoctor(await setUp({ ...WIRED, KMSKeyID: '1234abcd-12ab-34cd-56ef-1234567890ab' }));

    assert.equal(disabled.code, 1);
    assert.match(disabled.out, /✗ The key is Disabled, not Enabled/);
    assert.match(disabled.out, /✗ The key is RSA_2048 \/ SIGN_VERIFY/);
    assert.equal(bareId.code, 1);
    assert.match(bareId.out, /✗ KMSKeyID "1234abcd-12ab-34cd-56ef-1234567890ab" is not a key ARN/);
  });

  it('fails when the function has the wrong handler or runtime', async () => {
    const { code, out } = await runDoctor(await setUp(WIRED, (fn) => {
      fn.configuration.Handler = 'dist/lambda/index.handler';
      fn.configuration.Runtime = 'python3.12';
    }));

    assert.equal(code, 1);
    assert.match(out, /✗ Runtime python3\.12; the relay needs nodejs22\.x/);
    assert.match(out, /✗ Handler is dist\/lambda\/index\.handler; the relay's zip exports index\.handler/);
  });

  it('fails and suggests attach when no custom sender is wired', async () => {
    const { code, out } = await runDoctor(await setUp({ PreSignUp: 'arn:aws:lambda:eu-west-1:111122223333:function:pre-sign-up' }));

    assert.equal(code, 1);
    assert.match(out, /✗ Neither custom sender is set/);
    assert.match(out, /fix: cognito-relay attach --user-pool-id local_\w+ --function/);
  });

  it('warns without failing when there is no on-failure destination', async () => {
    const { code, out } = await runDoctor(await setUp(WIRED, (fn) => delete fn.eventInvokeConfig));

    assert.equal(code, 0, out);
    assert.match(out, /! No async invoke settings/);
  });
});
