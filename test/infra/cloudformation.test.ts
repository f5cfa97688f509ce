/**
 * infra/cloudformation/cognito-relay.yaml: parsed as CloudFormation reads it, rendered for the
 * "new pool" and "existing pool" parameter sets, checked against the resource specification of
 * the types it uses (test/infra/fixtures/cloudformation-spec.ts), and compared with what the CDK
 * construct synthesises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { App, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CognitoRelay } from '../../infra/cdk/src/cognito-relay.ts';
import { readTemplate, render, type Template } from './cfn-yaml.ts';
import { PROPERTY_TYPES, RESOURCE_TYPES, type TypeSpec } from './fixtures/cloudformation-spec.ts';

const TEMPLATE_PATH = new URL('../../infra/cloudformation/cognito-relay.yaml', import.meta.url).pathname;
const template = readTemplate(TEMPLATE_PATH);

const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/${name}-AbCdEf`;
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Everything on: new pool, new key, email and SMS, all secrets, idempotency, alarm topic. */
const NEW_POOL = {
  CodeS3Bucket: 'artifacts', CodeS3Key: 'cognito-relay/lambda.zip',
  EmailProviders: 'sendgrid,smtp', EmailFrom: 'no-reply@example.com', EmailFromName: 'Example', EmailReplyTo: 'help@example.com',
  SendGridApiKeySecretArn: SECRET('sendgrid'), SmtpUrlSecretArn: SECRET('smtp'),
  SmsProviders: 'twilio', TwilioAccountSid: 'AC0123', TwilioFrom: '+15550100', TwilioAuthTokenSecretArn: SECRET('twilio'),
  AppName: 'Example', Idempotency: 'true', AlarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
};
/** An existing pool and key, email only, everything else default. */
const EXISTING_POOL = {
  CodeS3Bucket: 'artifacts', CodeS3Key: 'cognito-relay/lambda.zip',
  ExistingUserPoolId: 'eu-west-1_AbCdEf123', ExistingKmsKeyArn: KEY_ARN,
  EmailFrom: 'no-reply@example.com', SendGridApiKeySecretArn: SECRET('sendgrid'),
};

const newPool = render(template, NEW_POOL);
const existingPool = render(template, EXISTING_POOL);

function checkAgainstSpec(where: string, value: unknown, spec: TypeSpec): void {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${where} is an object`);
  const names = Object.keys(value);
  const unknown = names.filter((name) => !spec.properties.includes(name));
  assert.deepEqual(unknown, [], `${where}: properties not in ${spec.docs}`);
  const missing = spec.required.filter((name) => !names.includes(name));
  assert.deepEqual(missing, [], `${where}: required properties missing (${spec.docs})`);
}

function resource(rendered: Template, id: string) {
  const found = rendered.Resources[id];
  assert.ok(found, `resource ${id}`);
  return found;
}

describe('CloudFormation template', () => {
  it('is a CloudFormation template whose resources all use types it is checked against', () => {
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    assert.deepEqual([...types].filter((type) => !(type in RESOURCE_TYPES)), []);
  });

  for (const [scenario, rendered] of [['a new pool', newPool], ['an existing pool', existingPool]] as const) {
    it(`uses only known property names and sets every required one, for ${scenario}`, () => {
      for (const [id, r] of Object.entries(rendered.Resources)) {
        checkAgainstSpec(`${id} (${r.Type})`, r.Properties ?? {}, RESOURCE_TYPES[r.Type]!);
      }
      const fn = resource(rendered, 'Function').Properties!;
      checkAgainstSpec('Function.Code', fn['Code'], PROPERTY_TYPES['AWS::Lambda::Function.Code']!);
      checkAgainstSpec('Function.Environment', fn['Environment'], PROPERTY_TYPES['AWS::Lambda::Function.Environment']!);
      checkAgainstSpec('Function.LoggingConfig', fn['LoggingConfig'], PROPERTY_TYPES['AWS::Lambda::Function.LoggingConfig']!);
      const invokeConfig = resource(rendered, 'EventInvokeConfig').Properties!;
      const destination = invokeConfig['DestinationConfig'] as Record<string, unknown>;
      checkAgainstSpec('EventInvokeConfig.DestinationConfig', destination, PROPERTY_TYPES['AWS::Lambda::EventInvokeConfig.DestinationConfig']!);
      checkAgainstSpec('EventInvokeConfig.OnFailure', destination['OnFailure'], PROPERTY_TYPES['AWS::Lambda::EventInvokeConfig.OnFailure']!);
      const pool = rendered.Resources['UserPool']?.Properties;
      if (pool) {
        const lambdaConfig = pool['LambdaConfig'] as Record<string, unknown>;
        checkAgainstSpec('UserPool.LambdaConfig', lambdaConfig, PROPERTY_TYPES['AWS::Cognito::UserPool.LambdaConfig']!);
        checkAgainstSpec('UserPool.LambdaConfig.CustomEmailSender', lambdaConfig['CustomEmailSender'], PROPERTY_TYPES['AWS::Cognito::UserPool.CustomEmailSender']!);
        checkAgainstSpec('UserPool.LambdaConfig.CustomSMSSender', lambdaConfig['CustomSMSSender'], PROPERTY_TYPES['AWS::Cognito::UserPool.CustomSMSSender']!);
        checkAgainstSpec('UserPool.SmsConfiguration', pool['SmsConfiguration'], PROPERTY_TYPES['AWS::Cognito::UserPool.SmsConfiguration']!);
      }
    });

    it(`references only parameters, resources and conditions that exist, for ${scenario}`, () => {
      const known = new Set([...Object.keys(template.Parameters), ...Object.keys(rendered.Resources), 'AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::URLSuffix']);
      const problems: string[] = [];
      const visit = (node: unknown, subVariables: Set<string>): void => {
        if (Array.isArray(node)) return node.forEach((item) => visit(item, subVariables));
        if (!node || typeof node !== 'object') return;
        for (const [key, value] of Object.entries(node)) {
          if (key === 'Ref' && !known.has(value as string)) problems.push(`Ref ${String(value)}`);
          else if (key === 'Fn::GetAtt' && !(((value as string[])[0] ?? '') in rendered.Resources)) problems.push(`GetAtt ${String(value)}`);
          else if (key === 'Fn::Sub') {
            const [text, variables] = Array.isArray(value) ? (value as [string, Record<string, unknown>]) : [value as string, {}];
            for (const [, name] of text.matchAll(/\$\{([^}!]+)\}/g)) {
              const base = name!.split('.')[0]!;
              if (!known.has(name!) && !(base in rendered.Resources) && !(name! in variables)) problems.push(`Sub \${${name}}`);
            }
            visit(variables, subVariables);
          } else visit(value, subVariables);
        }
      };
      visit(rendered.Resources, new Set());
      visit(rendered.Outputs, new Set());
      assert.deepEqual(problems, []);
    });
  }

  it('wires both custom senders with LambdaVersion V1_0 and the key ARN on a new pool', () => {
    const lambdaConfig = resource(newPool, 'UserPool').Properties!['LambdaConfig'];
    assert.deepEqual(lambdaConfig, {
      KMSKeyID: { 'Fn::GetAtt': ['Key', 'Arn'] },
      CustomEmailSender: { LambdaArn: { 'Fn::GetAtt': ['Function', 'Arn'] }, LambdaVersion: 'V1_0' },
      CustomSMSSender: { LambdaArn: { 'Fn::GetAtt': ['Function', 'Arn'] }, LambdaVersion: 'V1_0' },
    });
    assert.deepEqual(resource(newPool, 'UserPool').Properties!['SmsConfiguration'], {
      SnsCallerArn: { 'Fn::GetAtt': ['SmsRole', 'Arn'] }, ExternalId: { 'Fn::Sub': '${AWS::StackName}-sms' },
    });
  });

  it('accepts only a full key ARN for an existing key (Cognito rejects a key ID)', () => {
    const pattern = new RegExp(template.Parameters['ExistingKmsKeyArn']!['AllowedPattern'] as string);
    assert.ok(pattern.test(KEY_ARN));
    assert.ok(pattern.test(''));
    assert.ok(!pattern.test('1234abcd-12ab-34cd-56ef-1234567890ab'));
    assert.ok(!pattern.test('alias/cognito'));
  });

  it('lets only Cognito invoke the function, for the pool and account, in both modes', () => {
    assert.deepEqual(resource(newPool, 'CognitoInvokePermission').Properties, {
      Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] }, Principal: 'cognito-idp.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' }, SourceArn: { 'Fn::GetAtt': ['UserPool', 'Arn'] },
    });
    assert.deepEqual(resource(existingPool, 'CognitoInvokePermission').Properties!['SourceArn'], {
      'Fn::Sub': 'arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}',
    });
  });

  it('grants kms:Decrypt on the key only, for codes of this pool only', () => {
    const statements = (resource(existingPool, 'PoolAccessPolicy').Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
    assert.deepEqual(statements.find((s) => s['Action'] === 'kms:Decrypt'), {
      Sid: 'DecryptCognitoCodes', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'ExistingKmsKeyArn' },
      Condition: { StringEquals: { 'kms:EncryptionContext:userpool-id': { Ref: 'ExistingUserPoolId' } } },
    });
  });

  it('grants the function role nothing on "*" and reads only the secrets it was given', () => {
    for (const rendered of [newPool, existingPool]) {
      for (const id of ['RolePolicy', 'PoolAccessPolicy']) {
        const statements = (resource(rendered, id).Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
        for (const statement of statements) assert.notEqual(statement['Resource'], '*', `${id} ${JSON.stringify(statement)}`);
      }
    }
    const secretReads = (resource(existingPool, 'RolePolicy').Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement
      .filter((s) => s['Action'] === 'secretsmanager:GetSecretValue');
    assert.deepEqual(secretReads.map((s) => s['Resource']), [{ Ref: 'SendGridApiKeySecretArn' }]);
  });

  it('hides every secret parameter and passes secrets to the function only as ARNs', () => {
    const secretParameters = Object.keys(template.Parameters).filter((name) => /Secret|Token|Password|ApiKey/i.test(name));
    assert.deepEqual(secretParameters.sort(), ['SendGridApiKeySecretArn', 'SmtpUrlSecretArn', 'TwilioAuthTokenSecretArn']);
    for (const name of secretParameters) assert.equal(template.Parameters[name]!['NoEcho'], true, name);
    const variables = (resource(newPool, 'Function').Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    for (const [name, value] of Object.entries(variables)) {
      if (JSON.stringify(value).includes('SecretArn')) assert.match(name, /_SECRET_ARN$/);
    }
  });

  it('outputs the function ARN, key ARN and the attach command line for an existing pool', () => {
    assert.deepEqual(Object.keys(existingPool.Outputs).sort(), ['AttachCommand', 'DeadLetterQueueUrl', 'FunctionArn', 'KeyArn', 'LogGroupName', 'UserPoolId']);
    assert.deepEqual(existingPool.Outputs['AttachCommand']!.Value, {
      'Fn::Sub': ['npx cognito-relay attach --user-pool-id ${ExistingUserPoolId} --function ${Function.Arn} --kms-key ${KeyArn}', { KeyArn: { Ref: 'ExistingKmsKeyArn' } }],
    });
    assert.equal(existingPool.Resources['UserPool'], undefined);
    assert.equal(existingPool.Resources['Key'], undefined);
    assert.ok('UserPoolClientId' in newPool.Outputs);
    assert.ok(!('AttachCommand' in newPool.Outputs));
  });

  it('creates the idempotency table only when asked', () => {
    assert.ok(newPool.Resources['Idempotency']);
    assert.equal(existingPool.Resources['Idempotency'], undefined);
    const variables = (resource(existingPool, 'Function').Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.equal(variables['IDEMPOTENCY_TABLE'], undefined);
  });
});

describe('CloudFormation template and CDK construct', () => {
  // The same deployment through the construct: new pool with an SMS role and a client, a new key,
  // email (SendGrid + SMTP) and SMS (Twilio) with Secrets Manager secrets, idempotency, alarms.
  const app = new App();
  const stack = new Stack(app, 'Equivalent', { env: { account: '111122223333', region: 'eu-west-1' } });
  const pool = new cognito.UserPool(stack, 'Users', { enableSmsRole: true });
  pool.addClient('Client');
  new CognitoRelay(stack, 'Relay', {
    userPool: pool,
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    idempotency: true,
    appName: 'Example',
    defaultLocale: 'en',
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Alarms', NEW_POOL.AlarmTopicArn),
    email: {
      providers: ['sendgrid', 'smtp'], from: NEW_POOL.EmailFrom, fromName: 'Example', replyTo: NEW_POOL.EmailReplyTo,
      secrets: {
        SENDGRID_API_KEY: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Sg', SECRET('sendgrid')),
        SMTP_URL: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Smtp', SECRET('smtp')),
      },
    },
    sms: {
      providers: ['twilio'],
      secrets: { TWILIO_AUTH_TOKEN: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Tw', SECRET('twilio')) },
      settings: { TWILIO_ACCOUNT_SID: NEW_POOL.TwilioAccountSid, TWILIO_FROM: NEW_POOL.TwilioFrom },
    },
  });
  const cdk = CdkTemplate.fromStack(stack).toJSON() as Template;
  const cdkFunction = Object.values(cdk.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!.Properties!;
  const cfnFunction = resource(newPool, 'Function').Properties!;

  const iamActions = (rendered: Template) =>
    [...new Set(Object.values(rendered.Resources).flatMap((r) => {
      const documents = r.Type === 'AWS::IAM::Policy' ? [r.Properties!['PolicyDocument']]
        : r.Type === 'AWS::IAM::Role' ? ((r.Properties!['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument) : [];
      return documents.flatMap((d) => (d as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()));
    }))].sort();

  it('creates the same resource types', () => {
    const types = (rendered: Template) => [...new Set(Object.values(rendered.Resources).map((r) => r.Type))].sort();
    assert.deepEqual(types(newPool), types(cdk));
  });

  it('grants the same IAM actions', () => {
    assert.deepEqual(iamActions(newPool), iamActions(cdk));
  });

  it('runs the same function: runtime, handler, architecture, memory, timeout', () => {
    for (const property of ['Runtime', 'Handler', 'Architectures', 'MemorySize', 'Timeout']) {
      assert.deepEqual(cfnFunction[property], cdkFunction[property], property);
    }
  });

  it('sets the same environment variable names', () => {
    const names = (fn: Record<string, unknown>) => Object.keys((fn['Environment'] as { Variables: Record<string, unknown> }).Variables).sort();
    assert.deepEqual(names(cfnFunction), names(cdkFunction));
  });

  it('uses the same async-invoke defaults and permission conditions', () => {
    const invokeConfig = (rendered: Template) => Object.values(rendered.Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig')!.Properties!;
    const cfnConfig = invokeConfig(newPool);
    const cdkConfig = invokeConfig(cdk);
    assert.equal(Number(template.Parameters['RetryAttempts']!['Default']), cdkConfig['MaximumRetryAttempts']);
    assert.equal(Number(template.Parameters['MaxEventAgeSeconds']!['Default']), cdkConfig['MaximumEventAgeInSeconds']);
    assert.deepEqual(Object.keys(cfnConfig).sort(), Object.keys(cdkConfig).sort());
    const permissionKeys = (rendered: Template) => Object.keys(Object.values(rendered.Resources).find((r) => r.Type === 'AWS::Lambda::Permission' && r.Properties!['Principal'] === 'cognito-idp.amazonaws.com')!.Properties!).sort();
    assert.deepEqual(permissionKeys(newPool), permissionKeys(cdk));
  });
});
