/**
 * The CDK construct: synthesised templates (aws-cdk-lib/assertions) and the cdk-nag AwsSolutions
 * pack. Code comes from `Code.fromInline`, so no `npm run build` is needed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import cdkNag from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CognitoRelay, type CognitoRelayProps } from '../../infra/cdk/src/cognito-relay.ts';
import { RelayExampleStack } from '../../infra/cdk/example/stack.ts';
import { dependencyCycles, schemaProblems } from './cfn-schema.ts';
import type { Template as CfnTemplate } from './cfn-yaml.ts';
import { failedDeliveryRollup } from './emf.ts';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const code = lambda.Code.fromInline('exports.handler = async () => {};');
const keyAdministrators = [new iam.ArnPrincipal(`arn:aws:iam::${ACCOUNT}:role/deployer`)];

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;

interface Built {
  stack: Stack;
  relay: CognitoRelay;
  template: Template;
  resources: Resources;
}

/**
 * A stack with a user pool that already has a pre-sign-up trigger, and the relay with a
 * Secrets Manager secret for email and an SSM SecureString for SMS.
 */
function build(overrides: Partial<CognitoRelayProps> = {}, poolKind: 'new' | 'imported' | 'none' = 'new'): Built {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: REGION } });
  const userPool =
    poolKind === 'new'
      ? new cognito.UserPool(stack, 'Users', {
          enableSmsRole: true,
          lambdaTriggers: { preSignUp: new lambda.Function(stack, 'PreSignUp', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code }) },
        })
      : poolKind === 'imported'
        ? cognito.UserPool.fromUserPoolId(stack, 'Imported', 'eu-west-1_AbCdEf123')
        : undefined;
  const relay = new CognitoRelay(stack, 'Relay', {
    keyAdministrators,
    ...(userPool ? { userPool } : {}),
    code,
    appName: 'Example',
    defaultLocale: 'en',
    email: {
      providers: ['sendgrid', 'smtp'],
      from: 'no-reply@example.com',
      fromName: 'Example',
      replyTo: 'help@example.com',
      secrets: {
        SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(stack, 'SendGridKey', 'prod/sendgrid'),
        SMTP_URL: secretsmanager.Secret.fromSecretCompleteArn(stack, 'SmtpUrl', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/smtp-AbCdEf`),
      },
    },
    sms: {
      providers: ['twilio'],
      allowedCountries: ['1', '44'],
      secrets: { TWILIO_AUTH_TOKEN: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'TwilioToken', { parameterName: '/prod/twilio-token' }) },
      settings: { TWILIO_ACCOUNT_SID: 'AC0123', TWILIO_FROM: '+15550100' },
    },
    ...overrides,
  });
  const template = Template.fromStack(stack);
  return { stack, relay, template, resources: template.toJSON()['Resources'] as Resources };
}

function ofType(resources: Resources, type: string) {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function only(resources: Resources, type: string) {
  const found = ofType(resources, type).filter(([id]) => id.startsWith('Relay'));
  assert.equal(found.length, 1, `one ${type} from the construct`);
  return found[0]!;
}

/** Every statement of the IAM policies attached to the relay's role. */
function relayStatements(resources: Resources, roleId: string) {
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, r]) => JSON.stringify(r.Properties?.['Roles']).includes(roleId))
    .flatMap(([, r]) => (r.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement);
}

const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('CognitoRelay (CDK construct)', () => {
  const built = build();
  const { template, resources } = built;
  const [keyId, key] = only(resources, 'AWS::KMS::Key');
  const [fnId, fn] = only(resources, 'AWS::Lambda::Function');
  const [roleId] = only(resources, 'AWS::IAM::Role');
  const [queueId, queue] = only(resources, 'AWS::SQS::Queue');
  const [poolId] = ofType(resources, 'AWS::Cognito::UserPool')[0]!;
  const statements = relayStatements(resources, roleId);

  it('creates a symmetric KMS key with rotation on', () => {
    assert.equal(key.Properties?.['EnableKeyRotation'], true);
    assert.ok([undefined, 'SYMMETRIC_DEFAULT'].includes(key.Properties?.['KeySpec'] as string | undefined));
    assert.ok([undefined, 'ENCRYPT_DECRYPT'].includes(key.Properties?.['KeyUsage'] as string | undefined));
  });

  it('runs the function on nodejs22.x / arm64 with index.handler, 256 MB and 30 s, logging to its own group', () => {
    const [logGroupId] = only(resources, 'AWS::Logs::LogGroup');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 30,
      Role: arnOf(roleId),
      LoggingConfig: { LogGroup: ref(logGroupId) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes settings as environment variables and secrets only as ARNs or parameter names', () => {
    const variables = (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(Object.keys(variables).sort(), [
      'APP_NAME', 'DEFAULT_LOCALE', 'EMAIL_FROM', 'EMAIL_FROM_NAME', 'EMAIL_PROVIDERS', 'EMAIL_REPLY_TO', 'IDEMPOTENCY_TABLE', 'KMS_KEY_ARN',
      'SENDGRID_API_KEY_SECRET_ARN', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR', 'SMS_PROVIDERS', 'SMTP_URL_SECRET_ARN', 'TWILIO_ACCOUNT_SID',
      'TWILIO_AUTH_TOKEN_PARAMETER', 'TWILIO_FROM',
    ]);
    assert.deepEqual(variables['KMS_KEY_ARN'], arnOf(keyId));
    assert.equal(variables['EMAIL_PROVIDERS'], 'sendgrid,smtp');
    assert.equal(variables['SMS_PROVIDERS'], 'twilio');
    assert.equal(variables['TWILIO_AUTH_TOKEN_PARAMETER'], '/prod/twilio-token');
    assert.equal(variables['SMTP_URL_SECRET_ARN'], `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/smtp-AbCdEf`);
  });

  it('grants kms:Decrypt on its key only, for codes of this pool only', () => {
    const decrypt = statements.filter((s) => JSON.stringify(s['Action']).includes('kms:'));
    assert.deepEqual(decrypt, [
      {
        Sid: 'DecryptCognitoCodes',
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: arnOf(keyId),
        Condition: { StringEquals: { 'kms:EncryptionContext:userpool-id': ref(poolId) } },
      },
    ]);
  });

  it('grants read access to exactly the named secrets and parameter', () => {
    const secretStatement = statements.find((s) => s['Action'] === 'secretsmanager:GetSecretValue');
    assert.ok(secretStatement);
    const secretResources = JSON.stringify(secretStatement['Resource']);
    assert.match(secretResources, /:secret:prod\/sendgrid-\?\?\?\?\?\?/);
    assert.match(secretResources, /:secret:prod\/smtp-AbCdEf"/);
    const parameterStatement = statements.find((s) => s['Action'] === 'ssm:GetParameter');
    assert.match(JSON.stringify(parameterStatement?.['Resource']), /:parameter\/prod\/twilio-token"/);
  });

  it('grants only scoped, non-wildcard actions and no managed policies', () => {
    const actions = statements.flatMap((s) => [s['Action']].flat()).sort();
    assert.deepEqual(actions, [
      'cognito-idp:AdminGetUser', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents',
      'secretsmanager:GetSecretValue', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage', 'ssm:GetParameter',
    ]);
    for (const statement of statements) {
      assert.notEqual(statement['Resource'], '*', JSON.stringify(statement));
      assert.equal(statement['Effect'], 'Allow');
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] }),
      ManagedPolicyArns: Match.absent(),
    });
    const lookUp = statements.find((s) => s['Action'] === 'cognito-idp:AdminGetUser');
    assert.deepEqual(lookUp?.['Resource'], arnOf(poolId));
  });

  it('lets only Cognito, for this pool and account, invoke the function', () => {
    const permissions = ofType(resources, 'AWS::Lambda::Permission').filter(([, r]) => JSON.stringify(r.Properties?.['FunctionName']).includes(fnId));
    assert.equal(permissions.length, 1);
    assert.deepEqual(permissions[0]![1].Properties, {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(fnId),
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: arnOf(poolId),
      SourceAccount: ACCOUNT,
    });
  });

  it('retries twice within an hour, then sends the event to an encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fnId),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(queueId) } },
    });
    assert.equal(queue.Properties?.['SqsManagedSseEnabled'], true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(queueId)],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
  });

  it('alarms on function errors and on any dead letter', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: ref(fnId) }], Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }], Threshold: 1,
    });
  });

  it('wires both custom senders with LambdaVersion V1_0 and the key ARN, keeping the pool\'s other triggers', () => {
    const [preSignUpId] = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('PreSignUp'))!;
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreSignUp: arnOf(preSignUpId),
        CustomEmailSender: { LambdaArn: arnOf(fnId), LambdaVersion: 'V1_0' },
        CustomSMSSender: { LambdaArn: arnOf(fnId), LambdaVersion: 'V1_0' },
        KMSKeyID: arnOf(keyId),
      },
      SmsConfiguration: Match.objectLike({ SnsCallerArn: Match.anyValue() }),
    });
    assert.equal(built.relay.triggersWired, true);
  });

  it('exposes the function and key ARNs and the attach command line', () => {
    assert.deepEqual(built.stack.resolve(built.relay.functionArn), arnOf(fnId));
    assert.deepEqual(built.stack.resolve(built.relay.keyArn), arnOf(keyId));
    // --no-install: npx runs the installed package (or the checkout's own bin), never a download of the name.
    assert.match(built.relay.attachCommand('eu-west-1_X'), /^npx --no-install cognito-relay attach --user-pool-id eu-west-1_X --function .+ --kms-key .+$/);
  });

  it('scopes permissions to an imported pool but leaves wiring to attach', () => {
    const imported = build({}, 'imported');
    const importedRole = only(imported.resources, 'AWS::IAM::Role')[0];
    imported.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    assert.equal(imported.relay.triggersWired, false);
    const decrypt = relayStatements(imported.resources, importedRole).find((s) => s['Action'] === 'kms:Decrypt');
    assert.deepEqual(decrypt?.['Condition'], { StringEquals: { 'kms:EncryptionContext:userpool-id': 'eu-west-1_AbCdEf123' } });
    imported.template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      SourceAccount: ACCOUNT,
    });
    Annotations.fromStack(imported.stack).hasInfo('/Test/Relay', Match.stringLikeRegexp('cognito-relay attach --user-pool-id eu-west-1_AbCdEf123'));
  });

  it('creates no idempotency table for email unless asked, one for SMS counters, and grants item access on it', () => {
    const emailOnly = build({ sms: undefined });
    emailOnly.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    assert.equal(relayStatements(emailOnly.resources, only(emailOnly.resources, 'AWS::IAM::Role')[0]).filter((s) => JSON.stringify(s['Action']).includes('dynamodb')).length, 0);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const withTable = build({ idempotency: true, sms: undefined });
    const [tableId] = only(withTable.resources, 'AWS::DynamoDB::Table');
    withTable.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    const roleOfTable = only(withTable.resources, 'AWS::IAM::Role')[0];
    const tableStatement = relayStatements(withTable.resources, roleOfTable).find((s) => JSON.stringify(s['Action']).includes('dynamodb'));
    assert.deepEqual(tableStatement?.['Action'], ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
    assert.deepEqual(tableStatement?.['Resource'], arnOf(tableId));
    const fnVariables = (only(withTable.resources, 'AWS::Lambda::Function')[1].Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(fnVariables['IDEMPOTENCY_TABLE'], ref(tableId));
  });

  it('uses a given key instead of creating one, and honours the tuning props and alarm topic', () => {
    const app = new App();
    const stack = new Stack(app, 'Given', { env: { account: ACCOUNT, region: REGION } });
    const givenKey = kms.Key.fromKeyArn(stack, 'Given', `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    const topic = new sns.Topic(stack, 'Alarms');
    new CognitoRelay(stack, 'Relay', {
    keyAdministrators,
      kmsKey: givenKey, code, email: { providers: ['ses'], from: 'a@example.com' },
      memorySize: 512, timeout: Duration.seconds(20), retryAttempts: 1, maxEventAge: Duration.minutes(15), alarmTopic: topic,
    });
    const given = Template.fromStack(stack);

    given.resourceCountIs('AWS::KMS::Key', 0);
    given.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 20, Environment: { Variables: Match.objectLike({ KMS_KEY_ARN: givenKey.keyArn }) } });
    given.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 900 });
    given.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] });
    given.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Sid: 'DecryptCognitoCodes', Action: 'kms:Decrypt', Effect: 'Allow', Resource: givenKey.keyArn }], Version: '2012-10-17' },
    });
    given.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  it('refuses a credential passed as a plain setting, and a setting that overrides its own props', () => {
    assert.throws(() => build({ email: { providers: ['sendgrid'], from: 'a@example.com', settings: { SENDGRID_API_KEY: 'SG.secret' } } }), /looks like a credential/);
    assert.throws(() => build({ email: { providers: ['smtp'], from: 'a@example.com', settings: { SMTP_URL: 'smtps://u:p@host' } } }), /looks like a credential/);
    assert.throws(() => build({ sms: { allowedCountries: ['1', '44'], providers: ['twilio'], settings: { KMS_KEY_ARN: 'x' } } }), /set by the construct/);
    // Vonage's API key is its public key ID; the relay reads it as a plain setting.
    assert.doesNotThrow(() => build({ sms: { allowedCountries: ['1', '44'], providers: ['vonage'], settings: { VONAGE_API_KEY: 'abc123', VONAGE_FROM: 'Example' } } }));
  });
});

/** The relay's statements that send through an AWS provider, by Sid. */
function awsSendStatements(built: Built): Record<string, Record<string, unknown>> {
  const roleId = only(built.resources, 'AWS::IAM::Role')[0];
  return Object.fromEntries(
    relayStatements(built.resources, roleId)
      .filter((s) => /^(ses|sns|sms-voice):/.test(String(s['Action'])))
      .map((s) => [String(s['Sid']), s]),
  );
}

/** An ARN as deployed in eu-west-1 of ACCOUNT (the partition stays a reference in the template). */
function deployedArn(stack: Stack, value: unknown): string {
  const join = stack.resolve(value) as { 'Fn::Join'?: [string, unknown[]] } | string;
  if (typeof join === 'string') return join;
  return join['Fn::Join']![1].map((part) => (typeof part === 'string' ? part : (part as { Ref: string }).Ref === 'AWS::Partition' ? 'aws' : JSON.stringify(part))).join('');
}

describe('CognitoRelay with AWS providers (SES, SNS, End User Messaging)', () => {
  it('grants no send permission of an AWS provider when none is configured', () => {
    assert.deepEqual(awsSendStatements(build()), {});
  });

  it('grants ses:SendEmail on the sender address and domain identities and the configuration set, when ses is configured', () => {
    const built = build({
      email: { providers: ['sendgrid', 'ses'], from: 'no-reply@mail.example.com', settings: { SES_CONFIGURATION_SET: 'relay-events' } },
      sms: undefined,
    });
    const { SendEmailWithSes: ses, ...others } = awsSendStatements(built);
    assert.deepEqual(Object.keys(others), []);
    assert.equal(ses?.['Action'], 'ses:SendEmail');
    assert.deepEqual((ses?.['Resource'] as unknown[]).map((r) => deployedArn(built.stack, r)), [
      `arn:aws:ses:${REGION}:${ACCOUNT}:identity/no-reply@mail.example.com`,
      `arn:aws:ses:${REGION}:${ACCOUNT}:identity/mail.example.com`,
      `arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/relay-events`,
    ]);
  });

  it('uses SES_REGION for the SES ARNs and adds the templates only with sesTemplates', () => {
    const built = build({ email: { providers: ['ses'], from: 'a@example.com', sesTemplates: true, settings: { SES_REGION: 'us-east-1' } }, sms: undefined });
    const resources = (awsSendStatements(built)['SendEmailWithSes']?.['Resource'] as unknown[]).map((r) => deployedArn(built.stack, r));
    assert.deepEqual(resources, [
      `arn:aws:ses:us-east-1:${ACCOUNT}:identity/a@example.com`,
      `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`,
      `arn:aws:ses:us-east-1:${ACCOUNT}:template/*`,
    ]);
  });

  it('grants sns:Publish on "*" only when sns is an SMS provider', () => {
    const withSns = awsSendStatements(build({ sms: { allowedCountries: ['1', '44'], providers: ['twilio', 'sns'], secrets: {}, settings: { TWILIO_ACCOUNT_SID: 'AC1' } } }));
    assert.deepEqual(withSns, { SendSmsWithSns: { Sid: 'SendSmsWithSns', Action: 'sns:Publish', Effect: 'Allow', Resource: '*' } });
  });

  it('grants sms-voice:SendTextMessage on the given ARNs, or "*" by default, only when eum is an SMS provider', () => {
    const byDefault = awsSendStatements(build({ sms: { allowedCountries: ['1', '44'], providers: ['eum'] } }));
    assert.deepEqual(byDefault, { SendSmsWithEndUserMessaging: { Sid: 'SendSmsWithEndUserMessaging', Action: 'sms-voice:SendTextMessage', Effect: 'Allow', Resource: '*' } });
    const pool = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123`;
    const narrowed = awsSendStatements(build({ sms: { allowedCountries: ['1', '44'], providers: ['eum'], eumResources: [pool] } }));
    assert.equal(narrowed['SendSmsWithEndUserMessaging']?.['Resource'], pool);
  });

  it('does not mistake a provider whose name merely contains an AWS one', () => {
    // "resend" contains "se", "sendgrid" starts with "se": neither is ses.
    assert.deepEqual(awsSendStatements(build({ email: { providers: ['resend', 'sendgrid'], from: 'a@example.com' }, sms: undefined })), {});
  });
});

describe('CognitoRelay delivery settings', () => {
  const variablesOf = (built: Built) =>
    (only(built.resources, 'AWS::Lambda::Function')[1].Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;

  it('passes the delivery settings and SMS limits to the function', () => {
    const built = build({
      idempotency: true,
      delivery: { maxAttempts: 2, attemptTimeout: Duration.seconds(4), unknownOutcomeResends: 0, circuitBreakerThreshold: 5, circuitBreakerCooldown: Duration.minutes(1) },
      sms: { providers: ['twilio'], settings: { TWILIO_ACCOUNT_SID: 'AC1' }, allowedCountries: ['1', '44'], maxPerNumberPerHour: 5 },
    });
    const variables = variablesOf(built);
    assert.deepEqual(
      Object.fromEntries(['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'UNKNOWN_OUTCOME_RESENDS', 'CIRCUIT_BREAKER_THRESHOLD', 'CIRCUIT_BREAKER_COOLDOWN_MS', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR'].map((name) => [name, variables[name]])),
      { MAX_ATTEMPTS: '2', ATTEMPT_TIMEOUT_MS: '4000', UNKNOWN_OUTCOME_RESENDS: '0', CIRCUIT_BREAKER_THRESHOLD: '5', CIRCUIT_BREAKER_COOLDOWN_MS: '60000', SMS_ALLOWED_COUNTRIES: '1,44', SMS_MAX_PER_NUMBER_PER_HOUR: '5' },
    );
  });

  it('sets no delivery setting when not given, so the relay keeps its defaults', () => {
    const variables = variablesOf(build());
    for (const name of ['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'UNKNOWN_OUTCOME_RESENDS', 'CIRCUIT_BREAKER_THRESHOLD', 'CIRCUIT_BREAKER_COOLDOWN_MS']) {
      assert.equal(variables[name], undefined, name);
    }
  });

  it('limits SMS to the given countries and to 5 per number and hour by default, counted in a table it creates', () => {
    const built = build({ sms: { allowedCountries: ['44'], providers: ['twilio'] } });
    const variables = variablesOf(built);
    assert.equal(variables['SMS_ALLOWED_COUNTRIES'], '44');
    assert.equal(variables['SMS_MAX_PER_NUMBER_PER_HOUR'], '5');
    assert.deepEqual(variables['IDEMPOTENCY_TABLE'], ref(only(built.resources, 'AWS::DynamoDB::Table')[0]));
    assert.throws(() => build({ sms: { allowedCountries: [], providers: ['twilio'] } }), /sms.allowedCountries is required/);
    // A JavaScript caller can leave the property out altogether: refused the same way.
    assert.throws(() => build({ sms: { providers: ['twilio'] } as unknown as NonNullable<CognitoRelayProps['sms']> }), /sms.allowedCountries is required/);
    assert.throws(() => build({ sms: { allowedCountries: ['1'], providers: ['twilio'], maxPerNumberPerHour: 0 } }), /maxPerNumberPerHour must be a whole number from 1 to 10000/);
  });

  it('refuses an attempt timeout that leaves no room in the function timeout, and out-of-range values', () => {
    assert.throws(() => build({ timeout: Duration.seconds(10), delivery: { attemptTimeout: Duration.millis(9_500) } }), /leaves no room in the function timeout/);
    assert.throws(() => build({ delivery: { unknownOutcomeResends: 4 } }), /delivery.unknownOutcomeResends must be a whole number from 0 to 3, got 4/);
    assert.throws(() => build({ delivery: { unknownOutcomeResends: 1.5 } }), /delivery.unknownOutcomeResends must be a whole number from 0 to 3/);
    assert.throws(() => build({ email: { providers: ['sendgrid'], from: 'a@example.com', settings: { UNKNOWN_OUTCOME_RESENDS: '2' } } }), /UNKNOWN_OUTCOME_RESENDS is set by the construct/);
    assert.doesNotThrow(() => build({ timeout: Duration.seconds(10), delivery: { attemptTimeout: Duration.seconds(9) } }));
    assert.throws(() => build({ delivery: { maxAttempts: 11 } }), /maxAttempts must be a whole number from 1 to 10/);
    assert.throws(() => build({ sms: { providers: ['twilio'], allowedCountries: ['GB'] } }), /"GB" is not a country calling code/);
    assert.throws(() => build({ sms: { allowedCountries: ['1', '44'], providers: ['twilio'], settings: { SMS_MAX_PER_NUMBER_PER_HOUR: '5' } } }), /set by the construct/);
  });

  it('uses an existing idempotency table instead of creating one', () => {
    const app = new App();
    const stack = new Stack(app, 'Existing', { env: { account: ACCOUNT, region: REGION } });
    const table = dynamodb.Table.fromTableName(stack, 'Mine', 'relay-idempotency');
    new CognitoRelay(stack, 'Relay', { keyAdministrators, code, idempotencyTable: table, email: { providers: ['smtp'], from: 'a@example.com' }, sms: { allowedCountries: ['1', '44'], providers: ['twilio'], maxPerNumberPerHour: 3 } });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE: 'relay-idempotency' }) } });
    const statement = (Object.values(template.toJSON()['Resources'] as Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement)
      .find((s) => s['Sid'] === 'IdempotencyRecords'))!;
    assert.equal(deployedArn(stack, statement['Resource']), `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/relay-idempotency`);
    assert.throws(
      () => new CognitoRelay(stack, 'Both', { keyAdministrators, code, idempotency: true, idempotencyTable: table, email: { providers: ['smtp'], from: 'a@example.com' } }),
      /not both/,
    );
  });
});

describe('CognitoRelay alarms', () => {
  const alarmsOf = (built: Built) => ofType(built.resources, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);

  it('alarms on failed hand-overs to the dead-letter queue and on events Lambda dropped', () => {
    const { template, resources } = build();
    const [fnId] = only(resources, 'AWS::Lambda::Function');
    for (const metricName of ['DestinationDeliveryFailures', 'AsyncEventsDropped']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: ref(fnId) }], Statistic: 'Sum', Threshold: 1,
      });
    }
  });

  it('alarms on failed deliveries per configured channel, with exactly the dimensions the relay writes', () => {
    for (const channel of ['email', 'sms'] as const) {
      const rollup = failedDeliveryRollup(channel);
      const deliveries = alarmsOf(build()).filter((a) => a['MetricName'] === rollup.metricName && a['Namespace'] === rollup.namespace);
      const forChannel = deliveries.filter((a) => (a['Dimensions'] as { Name: string; Value: string }[]).some((d) => d.Name === 'channel' && d.Value === channel));
      assert.equal(forChannel.length, 1, channel);
      const dimensions = Object.fromEntries((forChannel[0]!['Dimensions'] as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]));
      assert.deepEqual(dimensions, rollup.dimensions);
      assert.equal(forChannel[0]!['Statistic'], 'Sum');
    }
  });

  it('has no failed-delivery alarm for a channel that is not configured', () => {
    const emailOnly = alarmsOf(build({ sms: undefined }));
    const channels = emailOnly.filter((a) => a['MetricName'] === 'Deliveries').map((a) => (a['Dimensions'] as { Name: string; Value: string }[]).find((d) => d.Name === 'channel')?.Value);
    assert.deepEqual(channels, ['email']);
  });

  it('sends every alarm to the alarm topic', () => {
    const app = new App();
    const stack = new Stack(app, 'Topic', { env: { account: ACCOUNT, region: REGION } });
    const relay = new CognitoRelay(stack, 'Relay', {
    keyAdministrators,
      code, alarmTopic: new sns.Topic(stack, 'Alarms'), email: { providers: ['smtp'], from: 'a@example.com' }, sms: { allowedCountries: ['1', '44'], providers: ['sns'] },
    });
    assert.equal(relay.alarms.length, 6);
    Template.fromStack(stack).allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }] });
  });
});

describe('the CDK example app', () => {
  it('synthesises a pool wired to the relay and outputs what the guide uses', () => {
    const stack = new RelayExampleStack(new App(), 'Example', {
      sendgridSecretName: 'prod/sendgrid', from: 'no-reply@example.com', code, env: { account: ACCOUNT, region: REGION },
    });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { CustomEmailSender: { LambdaArn: Match.anyValue(), LambdaVersion: 'V1_0' }, KMSKeyID: Match.anyValue() },
    });
    for (const output of ['UserPoolId', 'UserPoolClientId', 'FunctionArn', 'KeyArn', 'LogGroup', 'DeadLetterQueue', 'AlarmTopic']) {
      assert.ok(Object.keys(template.findOutputs(output)).length === 1, output);
    }
  });
});

describe('CognitoRelay and cdk-nag (AwsSolutions)', () => {
  /** Synthesises a stack with the pack on; returns `rule at path` for every unacknowledged finding. */
  type RelayChannels = Pick<CognitoRelayProps, 'email' | 'sms'>;
  function nagFindings(
    acknowledgeTestPool: boolean,
    channels?: (stack: Stack) => RelayChannels,
    envAgnostic = false,
    afterwards?: (relay: CognitoRelay) => void,
  ): { violations: string[]; relay: CognitoRelay } {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Nag', envAgnostic ? {} : { env: { account: ACCOUNT, region: REGION } });
      Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app));
      const pool = new cognito.UserPool(stack, 'Users', {
        enableSmsRole: true,
        featurePlan: cognito.FeaturePlan.PLUS,
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { sms: false, otp: true },
        passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      });
      if (acknowledgeTestPool) {
        // The test's own pool, not part of the construct: CDK's SMS role publishes to phone numbers.
        Validations.of(pool).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'CDK-generated SMS role of the test pool: SNS publishes to phone numbers, which have no ARN.' });
      }
      const relay = new CognitoRelay(stack, 'Relay', {
    keyAdministrators,
        userPool: pool,
        code,
        idempotency: true,
        ...(channels?.(stack) ?? {
          email: { providers: ['sendgrid'], from: 'no-reply@example.com', secrets: { SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(stack, 'Sg', 'prod/sendgrid') } },
          sms: { allowedCountries: ['1', '44'], providers: ['twilio'], secrets: { TWILIO_AUTH_TOKEN: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'Tw', { parameterName: '/prod/twilio' }) } },
        }),
      });
      afterwards?.(relay);
      try {
        app.synth();
      } catch {
        // A finding makes synth throw; the report says which.
      }
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
      };
      const violations = report.pluginReports.flatMap((p) => p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)));
      return { violations, relay };
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('reports no finding on the construct, and every acknowledgement carries a reason', () => {
    const { violations, relay } = nagFindings(true);

    assert.deepEqual(violations, []);
    const acknowledgements = collectAcknowledgements(relay);
    assert.deepEqual(acknowledgements.map((a) => a.id.replace(/^Annotation::/, '')).sort(), ['AwsSolutions-L1', 'AwsSolutions-SQS3']);
    for (const { id, reason } of acknowledgements) assert.ok(reason.length > 20, `${id} needs a reason`);
  });

  const awsProviders = (): RelayChannels => ({
    email: { providers: ['ses'], from: 'no-reply@example.com', sesTemplates: true, settings: { SES_CONFIGURATION_SET: 'relay' } },
    sms: { allowedCountries: ['1', '44'], providers: ['sns', 'eum'] },
  });

  for (const envAgnostic of [false, true]) {
    it(`acknowledges exactly the wildcards AWS providers need, with reasons${envAgnostic ? ' (environment-agnostic stack)' : ''}`, () => {
      const { violations, relay } = nagFindings(true, awsProviders, envAgnostic);

      assert.deepEqual(violations, []);
      const acknowledgements = collectAcknowledgements(relay)
        .map((a) => ({ ...a, id: a.id.replace(/^Annotation::/, '') }))
        .filter((a) => a.id.includes('IAM5'));
      assert.equal(acknowledgements.length, 2);
      assert.ok(acknowledgements.some((a) => a.id === 'AwsSolutions-IAM5[Resource::*]' && /phone number/.test(a.reason) && /sms-voice/.test(a.reason)));
      assert.ok(acknowledgements.some((a) => /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:ses:.+:template\/\*\]$/.test(a.id)));
    });
  }

  it('still reports a wildcard the construct did not ask for', () => {
    const { violations } = nagFindings(true, awsProviders, false, (relay) =>
      relay.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::bucket/*'] })),
    );

    assert.deepEqual(violations, ['AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*] at Nag/Relay/Role/DefaultPolicy/Resource']);
  });

  it('does report findings outside the construct (the pack is really running)', () => {
    const { violations } = nagFindings(false);

    assert.deepEqual(violations, ['AwsSolutions-IAM5[Resource::*] at Nag/Users/smsRole/Resource']);
  });
});

function collectAcknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason }))),
  );
}

describe('CognitoRelay key policy', () => {
  const keyStatementsOf = (resources: Resources) =>
    (only(resources, 'AWS::KMS::Key')[1].Properties?.['KeyPolicy'] as { Statement: Record<string, unknown>[] }).Statement;

  it('names exactly the administrators, Cognito and the relay role, with no account-root kms:*', () => {
    const { resources } = build();
    const [roleId] = only(resources, 'AWS::IAM::Role');
    const statements = keyStatementsOf(resources);
    assert.deepEqual(statements.map((s) => s['Sid']), ['KeyAdministration', 'CognitoEncryptsCodes', 'RelayDecryptsCodes']);
    assert.deepEqual(statements.map((s) => s['Principal']), [
      { AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` },
      { Service: 'cognito-idp.amazonaws.com' },
      { AWS: arnOf(roleId) },
    ]);
    assert.ok(!JSON.stringify(statements).includes(':root'), 'no account root');
    assert.ok(statements.every((s) => ![s['Action']].flat().includes('kms:*')));
  });

  it('lets the administrators manage but not use the key, Cognito encrypt for this account, the role decrypt for the pool', () => {
    const { resources } = build({}, 'imported');
    const [admin, cognitoStatement, relayStatement] = keyStatementsOf(resources) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    const adminActions = [admin['Action']].flat() as string[];
    const allows = (action: string) => adminActions.some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(action));
    for (const action of ['kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey']) assert.ok(allows(action), action);
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']) assert.ok(!allows(action), action);
    assert.deepEqual(cognitoStatement['Action'], ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:CreateGrant']);
    // An imported pool is known before the key: it is named exactly.
    assert.deepEqual(cognitoStatement['Condition'], {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cognito-idp:${REGION}:${ACCOUNT}:userpool/eu-west-1_AbCdEf123`]] } },
    });
    assert.equal(relayStatement['Action'], 'kms:Decrypt');
    assert.deepEqual(relayStatement['Condition'], { StringLike: { 'kms:EncryptionContext:userpool-id': 'eu-west-1_AbCdEf123' } });
  });

  it("names the account's pools of the region for a pool defined in the app (naming it would be a cycle)", () => {
    const { resources } = build();
    const [, cognitoStatement, relayStatement] = keyStatementsOf(resources) as Record<string, unknown>[];
    assert.deepEqual(cognitoStatement!['Condition'], {
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cognito-idp:${REGION}:${ACCOUNT}:userpool/*`]] } },
    });
    assert.deepEqual(relayStatement!['Condition'], { StringLike: { 'kms:EncryptionContext:userpool-id': `${REGION}_*` } });
  });

  it('refuses to create a key without administrators', () => {
    assert.throws(() => build({ keyAdministrators: [] }), /keyAdministrators is required/);
  });

  it("offers the default synthesizer's deployment role as an administrator, as CloudFormation can resolve it", () => {
    const app = new App();
    const stack = new Stack(app, 'Deployed', { env: { account: ACCOUNT, region: REGION } });
    const principal = CognitoRelay.deploymentRole(stack) as iam.ArnPrincipal;
    assert.deepEqual(stack.resolve(principal.arn), { 'Fn::Sub': 'arn:${AWS::Partition}:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-eu-west-1' });
  });
});

describe('CognitoRelay with a pool that already has a custom sender key', () => {
  function withPoolKey(kmsKey?: (stack: Stack, poolKey: kms.IKey) => kms.IKey) {
    const app = new App();
    const stack = new Stack(app, 'Keyed', { env: { account: ACCOUNT, region: REGION } });
    const poolKey = new kms.Key(stack, 'PoolKey');
    const pool = new cognito.UserPool(stack, 'Users', { customSenderKmsKey: poolKey });
    const relay = new CognitoRelay(stack, 'Relay', {
      userPool: pool, code, ...(kmsKey ? { kmsKey: kmsKey(stack, poolKey) } : {}), email: { providers: ['smtp'], from: 'a@example.com' },
    });
    return { relay, resources: Template.fromStack(stack).toJSON()['Resources'] as Resources };
  }

  it('uses that key instead of re-keying the pool (and needs no administrators then)', () => {
    const { relay, resources } = withPoolKey();
    assert.equal(relay.usesPoolKey, true);
    const keys = ofType(resources, 'AWS::KMS::Key');
    assert.deepEqual(keys.map(([id]) => id), [keys.find(([id]) => id.startsWith('PoolKey'))![0]]);
    const poolKeyArn = arnOf(keys[0]![0]);
    const [, pool] = ofType(resources, 'AWS::Cognito::UserPool')[0]!;
    assert.deepEqual((pool.Properties?.['LambdaConfig'] as Record<string, unknown>)['KMSKeyID'], poolKeyArn);
    const fnVariables = (only(resources, 'AWS::Lambda::Function')[1].Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(fnVariables['KMS_KEY_ARN'], poolKeyArn);
    const decrypt = relayStatements(resources, only(resources, 'AWS::IAM::Role')[0]).find((s) => s['Sid'] === 'DecryptCognitoCodes');
    assert.deepEqual(decrypt?.['Resource'], poolKeyArn);
  });

  it('accepts that same key given as kmsKey, and refuses another one with a message', () => {
    assert.doesNotThrow(() => withPoolKey((_stack, poolKey) => poolKey));
    assert.throws(
      () => withPoolKey((stack) => new kms.Key(stack, 'Other')),
      /already encrypts codes with another KMS key \(customSenderKmsKey\)\. Re-keying it would make codes in flight undecryptable/,
    );
  });

  it('lets a second relay on the same pool reuse the key the first one wired', () => {
    const app = new App();
    const stack = new Stack(app, 'Twice', { env: { account: ACCOUNT, region: REGION } });
    const pool = new cognito.UserPool(stack, 'Users');
    const first = new CognitoRelay(stack, 'Email', { userPool: pool, code, keyAdministrators, email: { providers: ['smtp'], from: 'a@example.com' } });
    assert.throws(
      () => new CognitoRelay(stack, 'Sms', { userPool: pool, code, kmsKey: new kms.Key(stack, 'Other'), sms: { providers: ['twilio'], allowedCountries: ['1'] } }),
      /already encrypts codes with another KMS key/,
    );
    const second = new CognitoRelay(stack, 'Sms2', { userPool: pool, code, sms: { providers: ['twilio'], allowedCountries: ['1'] } });
    assert.equal(stack.resolve(second.keyArn)['Fn::GetAtt'][0], stack.resolve(first.keyArn)['Fn::GetAtt'][0]);
  });
});

describe('CognitoRelay with the pool in another stack', () => {
  const app = new App();
  const poolStack = new Stack(app, 'Users', { env: { account: ACCOUNT, region: REGION } });
  const relayStack = new Stack(app, 'Relay', { env: { account: ACCOUNT, region: REGION } });
  const pool = new cognito.UserPool(poolStack, 'Pool');
  new CognitoRelay(relayStack, 'Relay', { userPool: pool, code, keyAdministrators, email: { providers: ['smtp'], from: 'a@example.com' } });
  // Synthesis fails on a dependency cycle between stacks: this is the check.
  const assembly = app.synth();
  const poolResources = assembly.getStackByName('Users').template['Resources'] as Resources;
  const relayResources = assembly.getStackByName('Relay').template['Resources'] as Resources;

  it('synthesises without a cycle: the pool stack depends on the relay stack, never the reverse', () => {
    assert.deepEqual(poolStack.dependencies.map((s) => s.stackName), ['Relay']);
    assert.deepEqual(relayStack.dependencies, []);
  });

  it('wires the pool with the function and key exported by the relay stack', () => {
    const [, cfnPool] = ofType(poolResources, 'AWS::Cognito::UserPool')[0]!;
    const lambdaConfig = cfnPool.Properties?.['LambdaConfig'] as Record<string, Record<string, unknown>>;
    assert.ok(JSON.stringify(lambdaConfig['KMSKeyID']).includes('Fn::ImportValue'));
    assert.ok(JSON.stringify(lambdaConfig['CustomEmailSender']!['LambdaArn']).includes('Fn::ImportValue'));
    assert.equal(lambdaConfig['CustomEmailSender']!['LambdaVersion'], 'V1_0');
  });

  it("refuses, with a message, a pool whose own key lives in the pool's stack (that would be a cycle), and accepts the key from the relay's stack", () => {
    const app = new App();
    const usersStack = new Stack(app, 'KeyedUsers', { env: { account: ACCOUNT, region: REGION } });
    const relayStack = new Stack(app, 'KeyedRelay', { env: { account: ACCOUNT, region: REGION } });
    const poolWithKey = new cognito.UserPool(usersStack, 'Pool', { customSenderKmsKey: new kms.Key(usersStack, 'Key') });
    assert.throws(
      () => new CognitoRelay(relayStack, 'Relay', { userPool: poolWithKey, code, email: { providers: ['smtp'], from: 'a@example.com' } }),
      /custom sender key is defined in stack KeyedUsers, which references this relay \(stack KeyedRelay\)/,
    );
    const relayKey = new kms.Key(relayStack, 'RelayKey');
    const poolWithRelayKey = new cognito.UserPool(usersStack, 'Pool2', { customSenderKmsKey: relayKey });
    new CognitoRelay(relayStack, 'Relay2', { userPool: poolWithRelayKey, kmsKey: relayKey, code, email: { providers: ['smtp'], from: 'a@example.com' } });
    assert.doesNotThrow(() => app.synth());
  });

  it('puts what names the pool (invoke permission, decrypt and look-up grants) into the pool stack', () => {
    const [poolId] = ofType(poolResources, 'AWS::Cognito::UserPool')[0]!;
    const [, permission] = ofType(poolResources, 'AWS::Lambda::Permission')[0]!;
    assert.deepEqual(permission.Properties?.['SourceArn'], arnOf(poolId));
    assert.equal(permission.Properties?.['SourceAccount'], ACCOUNT);
    const [, policy] = ofType(poolResources, 'AWS::IAM::Policy')[0]!;
    const statements = (policy.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
    assert.deepEqual(statements.map((s) => s['Sid']), ['DecryptCognitoCodes', 'LookUpRecipient']);
    assert.deepEqual(ofType(relayResources, 'AWS::Lambda::Permission'), []);
    assert.ok(!JSON.stringify(relayResources).includes('Users'), 'the relay stack does not reference the pool stack');
  });
});

describe('the CDK example app with cdk-nag', () => {
  it('creates no SMS role for its email-only pool', () => {
    const stack = new RelayExampleStack(new App(), 'Example', { sendgridSecretName: 'prod/sendgrid', from: 'no-reply@example.com', code, env: { account: ACCOUNT, region: REGION } });
    const roles = Object.values(Template.fromStack(stack).toJSON()['Resources'] as Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    assert.deepEqual(roles.filter((r) => JSON.stringify(r.Properties?.['AssumeRolePolicyDocument']).includes('cognito-idp.amazonaws.com')), []);
    assert.equal(roles.length, 1, 'only the relay function role');
  });

  it('passes the AwsSolutions pack, every acknowledged finding explained in place', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-nag-example-'));
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false });
      Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app));
      const stack = new RelayExampleStack(app, 'Example', { sendgridSecretName: 'prod/sendgrid', from: 'no-reply@example.com', code, env: { account: ACCOUNT, region: REGION } });
      let failed = false;
      try {
        app.synth();
      } catch {
        failed = true;
      }
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[] }[];
      };
      assert.deepEqual(report.pluginReports.flatMap((p) => p.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`))), []);
      assert.equal(failed, false);
      const acknowledgements = collectAcknowledgements(stack);
      assert.ok(acknowledgements.length > 0);
      for (const { id, reason } of acknowledgements) assert.ok(reason.length > 30, `${id} needs a reason`);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("CognitoRelay and CDK's built-in CloudFormation validation", () => {
  /** The findings of aws-cdk-lib's own template rules (schema, intrinsics, best practices). */
  function cfnValidateFindings(populate: (app: App) => void): string[] {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-validate-'));
    try {
      const app = new App({ outdir });
      populate(app);
      app.synth();
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { pluginName: string; violations: { ruleName: string; description: string }[] }[];
      };
      return report.pluginReports.filter((p) => p.pluginName === 'CloudFormation Validate').flatMap((p) => p.violations.map((v) => `${v.ruleName}: ${v.description}`));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it('reports nothing on a stack with every feature on, the deployment role as key administrator, and a pool in another stack', () => {
    const findings = cfnValidateFindings((app) => {
      const stack = new Stack(app, 'Everything', { env: { account: ACCOUNT, region: REGION } });
      const pool = new cognito.UserPool(stack, 'Users', { enableSmsRole: true });
      new CognitoRelay(stack, 'Relay', {
        userPool: pool, code, keyAdministrators: [CognitoRelay.deploymentRole(stack)], alarmTopic: new sns.Topic(stack, 'Alarms'),
        email: { providers: ['ses', 'sendgrid'], from: 'no-reply@example.com', sesTemplates: true, secrets: { SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(stack, 'Sg', 'prod/sendgrid') } },
        sms: { providers: ['sns', 'eum'], allowedCountries: ['1', '44'], maxPerNumberPerHour: 3 },
      });
      const usersStack = new Stack(app, 'OtherUsers', { env: { account: ACCOUNT, region: REGION } });
      const relayStack = new Stack(app, 'OtherRelay', { env: { account: ACCOUNT, region: REGION } });
      new CognitoRelay(relayStack, 'Relay', {
        userPool: new cognito.UserPool(usersStack, 'Pool'), code, keyAdministrators, email: { providers: ['smtp'], from: 'a@example.com' },
      });
    });
    assert.deepEqual(findings, []);
  });

  it('does report what it should (the check is live): a key administrator ARN with an unresolved placeholder', () => {
    const findings = cfnValidateFindings((app) => {
      const stack = new Stack(app, 'Broken', { env: { account: ACCOUNT, region: REGION } });
      new CognitoRelay(stack, 'Relay', {
        code, keyAdministrators: [new iam.ArnPrincipal('arn:${AWS::Partition}:iam::111122223333:role/deployer')], email: { providers: ['smtp'], from: 'a@example.com' },
      });
    });
    assert.equal(findings.length, 1);
    assert.match(findings[0]!, /^E1029: KeyPolicy.Statement.0.Principal.AWS/);
  });
});

describe('CognitoRelay templates against the CloudFormation registry schemas', () => {
  const asTemplate = (template: Template) => ({ Parameters: {}, Conditions: {}, Outputs: {}, ...template.toJSON() }) as unknown as CfnTemplate;
  const cases: [string, () => Template][] = [
    ['a new pool with email and SMS', () => build().template],
    ['an imported pool', () => build({}, 'imported').template],
    ['no pool', () => build({}, 'none').template],
    ['the example app', () => Template.fromStack(new RelayExampleStack(new App(), 'Example', { sendgridSecretName: 'prod/sendgrid', from: 'no-reply@example.com', code, env: { account: ACCOUNT, region: REGION } }))],
  ];
  for (const [name, synth] of cases) {
    it(`${name}: properties match the schemas, and no resource depends on itself`, () => {
      const template = asTemplate(synth());
      assert.deepEqual(schemaProblems(template), []);
      assert.deepEqual(dependencyCycles(template), []);
    });
  }
});
