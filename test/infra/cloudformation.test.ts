/**
 * infra/cloudformation/cognito-relay.yaml: parsed as CloudFormation reads it, rendered for the
 * "new pool" and "existing pool" parameter sets, checked against the CloudFormation registry
 * schemas shipped in @aws-cdk/aws-service-spec (test/infra/cfn-schema.ts), round-tripped through
 * aws-cdk-lib's CfnInclude, and compared with what the CDK construct synthesises.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { App, DefaultStackSynthesizer, Duration, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parse } from 'yaml';
import { CognitoRelay } from '../../infra/cdk/src/cognito-relay.ts';
import { PROVIDER_LOADERS } from '../../src/runtime/providers/registry.ts';
import type { ProviderDefinition } from '../../src/runtime/providers/types.ts';
import { dependencyCycles, duplicateLogicalNames, schemaProblems, unresolvedReferences } from './cfn-schema.ts';
import { brokenRules, readTemplate, render, type Template } from './cfn-yaml.ts';
import { failedDeliveryRollup } from './emf.ts';

const TEMPLATE_PATH = new URL('../../infra/cloudformation/cognito-relay.yaml', import.meta.url).pathname;
const GUIDE_PATH = new URL('../../docs/deploy/cloudformation.md', import.meta.url).pathname;
const template = readTemplate(TEMPLATE_PATH);

const SECRET = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/${name}-AbCdEf`;
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ADMINS = 'arn:aws:iam::111122223333:role/deployer,arn:aws:iam::111122223333:role/security';

/** Everything on: new pool, new key, email and SMS, all secrets, idempotency, alarm topic. */
const NEW_POOL = {
  CodeS3Bucket: 'artifacts', CodeS3Key: 'cognito-relay/lambda.zip', KeyAdministratorArns: ADMINS,
  EmailProviders: 'sendgrid,smtp', EmailFrom: 'no-reply@example.com', EmailFromName: 'Example', EmailReplyTo: 'help@example.com',
  SendGridApiKeySecretArn: SECRET('sendgrid'), SmtpUrlSecretArn: SECRET('smtp'),
  SmsProviders: 'twilio', SmsAllowedCountries: '1,44', TwilioAccountSid: 'AC0123', TwilioFrom: '+15550100', TwilioAuthTokenSecretArn: SECRET('twilio'),
  AppName: 'Example', Idempotency: 'true', AlarmTopicArn: 'arn:aws:sns:eu-west-1:111122223333:alarms',
};
/** An existing pool and key, email only, everything else default. */
const EXISTING_POOL = {
  CodeS3Bucket: 'artifacts', CodeS3Key: 'cognito-relay/lambda.zip',
  ExistingUserPoolId: 'eu-west-1_AbCdEf123', ExistingKmsKeyArn: KEY_ARN,
  EmailFrom: 'no-reply@example.com', SendGridApiKeySecretArn: SECRET('sendgrid'),
};
/** An existing pool with a new key: the key policy can name the pool. */
const EXISTING_POOL_NEW_KEY = { ...EXISTING_POOL, ExistingKmsKeyArn: '', KeyAdministratorArns: ADMINS };

const newPool = render(template, NEW_POOL);
const existingPool = render(template, EXISTING_POOL);
const existingPoolNewKey = render(template, EXISTING_POOL_NEW_KEY);

function statementsOf(rendered: Template, id: string): Record<string, unknown>[] {
  return (resource(rendered, id).Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
}

function variablesOf(rendered: Template): Record<string, unknown> {
  return (resource(rendered, 'Function').Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

function resource(rendered: Template, id: string) {
  const found = rendered.Resources[id];
  assert.ok(found, `resource ${id}`);
  return found;
}

describe('CloudFormation template', () => {
  it('stays under the 51,200 bytes CloudFormation accepts inline, so deploy needs no S3 bucket for it', () => {
    assert.ok(statSync(TEMPLATE_PATH).size < 51_200, `${statSync(TEMPLATE_PATH).size} bytes`);
  });

  it('uses each logical name once across parameters, resources, conditions, outputs and mappings', () => {
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    assert.deepEqual(duplicateLogicalNames(template), []);
    // The checker itself: the name that once was both a parameter and a resource is caught.
    assert.deepEqual(duplicateLogicalNames({ ...template, Parameters: { ...template.Parameters, IdempotencyTable: {} } }), ['IdempotencyTable (Parameters and Resources)']);
    // A name repeated inside one section is refused by the YAML reader itself.
    assert.throws(() => parse('Resources:\n  A: {}\n  A: {}\n'), /unique/i);
  });

  it('resolves every Ref, GetAtt, Sub variable, condition and DependsOn in the whole template', () => {
    assert.deepEqual(unresolvedReferences(template), []);
    const broken = structuredClone(template);
    broken.Resources['Function']!.Properties!['Role'] = { 'Fn::GetAtt': ['Rol', 'Arn'] };
    assert.deepEqual(unresolvedReferences(broken), ['Function.Properties.Role: GetAtt Rol,Arn']);
  });

  it('round-trips through aws-cdk-lib CfnInclude unchanged', () => {
    // CDK's built-in template linter is off here: it takes half a minute on this template and
    // the registry-schema checks below cover what it would check.
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Included', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
    new CfnInclude(stack, 'Template', { templateFile: TEMPLATE_PATH });
    const synthesized = app.synth().getStackByName('Included').template as Record<string, unknown>;
    // `!GetAtt A.B` comes back in its other valid spelling, ["A", "B"].
    const getAttAsList = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(getAttAsList);
      if (!node || typeof node !== 'object') return node;
      return Object.fromEntries(Object.entries(node).map(([key, value]) =>
        [key, key === 'Fn::GetAtt' && typeof value === 'string' ? value.split(/\.(.*)/s).slice(0, 2) : getAttAsList(value)]));
    };
    // A single DependsOn comes back as a one-item list.
    const fn = (synthesized['Resources'] as Template['Resources'])['Function']!;
    fn.DependsOn = [fn.DependsOn ?? []].flat()[0];
    assert.deepEqual(getAttAsList(synthesized), JSON.parse(JSON.stringify(template)));
  });

  for (const [scenario, rendered] of [['a new pool', newPool], ['an existing pool and key', existingPool], ['an existing pool with a new key', existingPoolNewKey]] as const) {
    it(`matches the CloudFormation registry schemas (names, types, required properties, attributes) for ${scenario}`, () => {
      assert.deepEqual(schemaProblems(rendered), []);
    });

    it(`references only parameters, resources and attributes that exist, for ${scenario}`, () => {
      assert.deepEqual(unresolvedReferences(rendered), []);
    });

    it(`has no circular dependency between resources, for ${scenario}`, () => {
      assert.deepEqual(dependencyCycles(rendered), []);
    });
  }

  it('finds a cycle where there is one: a key policy naming the new pool that references the key', () => {
    const cyclic = structuredClone(newPool);
    const statements = (cyclic.Resources['Key']!.Properties!['KeyPolicy'] as { Statement: Record<string, unknown>[] }).Statement;
    statements[1]!['Condition'] = { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': ['UserPool', 'Arn'] } } };
    assert.deepEqual(dependencyCycles(cyclic), [['Key', 'UserPool', 'Key'], ['Key', 'UserPool', 'Function', 'Key']]);
  });

  it('checks properties against the schemas for real: an unknown, a mistyped and a missing property are all reported', () => {
    const broken = structuredClone(newPool);
    broken.Resources['Function']!.Properties!['Timeout'] = '30 seconds';
    broken.Resources['Function']!.Properties!['Enviroment'] = {};
    delete broken.Resources['CognitoInvokePermission']!.Properties!['Principal'];
    (broken.Resources['UserPool']!.Properties!['LambdaConfig'] as Record<string, unknown>)['CustomEmailSender'] = { LambdaArn: { 'Fn::GetAtt': ['Function', 'Arn'] }, Version: 'V1_0' };
    broken.Resources['DeadLettersAlarm']!.Properties!['Dimensions'] = [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetters', 'Name'] } }];
    assert.deepEqual(schemaProblems(broken).sort(), [
      'CognitoInvokePermission: required property Principal is missing',
      'Function.Enviroment: not a property of this type',
      'Function.Timeout: expected an integer, got "30 seconds"',
      'Resources.DeadLettersAlarm.Properties.Dimensions[0].Value: AWS::SQS::Queue has no attribute Name',
      'UserPool.LambdaConfig.CustomEmailSender.Version: not a property of this type',
    ]);
  });

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

  it('grants the function role nothing on "*" but an SMS send, and reads only the secrets it was given', () => {
    const everyAwsProvider = render(template, { ...NEW_POOL, EmailProviders: 'ses', SmsProviders: 'sns,eum' });
    for (const rendered of [newPool, existingPool, everyAwsProvider]) {
      for (const id of ['RolePolicy', 'PoolAccessPolicy']) {
        for (const statement of statementsOf(rendered, id)) {
          if (statement['Resource'] === '*' || JSON.stringify(statement['Resource']) === '["*"]') {
            assert.ok(['SendSmsWithSns', 'SendSmsWithEndUserMessaging'].includes(String(statement['Sid'])), `${id} ${JSON.stringify(statement)}`);
          }
        }
      }
    }
    const secretReads = statementsOf(existingPool, 'RolePolicy').filter((s) => s['Action'] === 'secretsmanager:GetSecretValue');
    assert.deepEqual(secretReads.map((s) => s['Resource']), [[{ Ref: 'SendGridApiKeySecretArn' }]]);
    const noSecrets = render(template, { ...EXISTING_POOL, SendGridApiKeySecretArn: '', EmailProviders: 'ses' });
    assert.deepEqual(statementsOf(noSecrets, 'RolePolicy').filter((s) => s['Action'] === 'secretsmanager:GetSecretValue'), []);
  });

  it('hides every secret parameter and passes secrets to the function only as ARNs', () => {
    const secretParameters = Object.keys(template.Parameters).filter((name) => name.endsWith('SecretArn'));
    for (const name of secretParameters) assert.equal(template.Parameters[name]!['NoEcho'], true, name);
    // Only secret ARNs are hidden: a NoEcho setting could not be checked in the console.
    const hidden = Object.keys(template.Parameters).filter((name) => template.Parameters[name]!['NoEcho']);
    assert.deepEqual(hidden.sort(), secretParameters.sort());
    const variables = (resource(newPool, 'Function').Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    for (const [name, value] of Object.entries(variables)) {
      if (JSON.stringify(value).includes('SecretArn')) assert.match(name, /_SECRET_ARN$/);
    }
  });

  it('outputs the function ARN, key ARN and the attach command line for an existing pool', () => {
    assert.deepEqual(Object.keys(existingPool.Outputs).sort(), ['AttachCommand', 'DeadLetterQueueUrl', 'FunctionArn', 'KeyArn', 'LogGroupName', 'UserPoolId']);
    assert.deepEqual(existingPool.Outputs['AttachCommand']!.Value, {
      'Fn::Sub': ['npx --no-install cognito-relay attach --user-pool-id ${ExistingUserPoolId} --function ${Function.Arn} --kms-key ${KeyArn}', { KeyArn: { Ref: 'ExistingKmsKeyArn' } }],
    });
    assert.equal(existingPool.Resources['UserPool'], undefined);
    assert.equal(existingPool.Resources['Key'], undefined);
    assert.ok('UserPoolClientId' in newPool.Outputs);
    assert.ok(!('AttachCommand' in newPool.Outputs));
  });

  it('creates the idempotency table when asked or when SMS needs it for its per-number counters', () => {
    assert.ok(newPool.Resources['IdempotencyTable']);
    assert.equal(existingPool.Resources['IdempotencyTable'], undefined);
    const smsWithoutAsking = render(template, { ...EXISTING_POOL, SmsProviders: 'twilio', SmsAllowedCountries: '44' });
    assert.equal(smsWithoutAsking.Resources['IdempotencyTable']!.Type, 'AWS::DynamoDB::Table');
    assert.deepEqual(variablesOf(smsWithoutAsking)['IDEMPOTENCY_TABLE'], { Ref: 'IdempotencyTable' });
    const smsWithOwnTable = render(template, { ...EXISTING_POOL, SmsProviders: 'twilio', SmsAllowedCountries: '44', ExistingIdempotencyTableName: 'mine' });
    assert.equal(smsWithOwnTable.Resources['IdempotencyTable'], undefined);
    assert.deepEqual(variablesOf(smsWithOwnTable)['IDEMPOTENCY_TABLE'], { Ref: 'ExistingIdempotencyTableName' });
    const variables = (resource(existingPool, 'Function').Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.equal(variables['IDEMPOTENCY_TABLE'], undefined);
  });
});

/** Every setting of every provider in the registry, as the relay reads it. */
async function providerSettings(): Promise<{ env: string; secret: boolean; provider: string }[]> {
  const settings = new Map<string, { env: string; secret: boolean; provider: string }>();
  for (const loaders of Object.values(PROVIDER_LOADERS) as Record<string, () => Promise<{ default: ProviderDefinition }>>[]) {
    for (const [provider, load] of Object.entries(loaders)) {
      for (const spec of (await load()).default.settings) settings.set(spec.env, { env: spec.env, secret: Boolean(spec.secret), provider });
    }
  }
  return [...settings.values()];
}

/** The parameter an environment variable is taken from: `!If [HasX, !Ref X, !Ref AWS::NoValue]`. */
function parameterFor(variable: string): string | undefined {
  const value = (template.Resources['Function']!.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables[variable] as
    | { 'Fn::If'?: [string, { Ref?: string }, { Ref?: string }] }
    | undefined;
  const [, whenSet, otherwise] = value?.['Fn::If'] ?? [];
  return otherwise?.Ref === 'AWS::NoValue' ? whenSet?.Ref : undefined;
}

describe('CloudFormation template: provider settings, AWS providers, delivery', async () => {
  const settings = await providerSettings();

  it('takes every provider setting of the registry as an optional parameter, secrets as hidden Secrets Manager ARNs', () => {
    const missing: string[] = [];
    const all: Record<string, string> = {};
    for (const { env, secret, provider } of settings) {
      const variable = secret ? `${env}_SECRET_ARN` : env;
      const name = parameterFor(variable);
      if (!name || !template.Parameters[name]) {
        missing.push(`${variable} (${provider})`);
        continue;
      }
      const parameter = template.Parameters[name]!;
      assert.equal(parameter['Default'], '', name);
      assert.equal(Boolean(parameter['NoEcho']), secret, `${name} NoEcho`);
      if (secret) assert.ok(new RegExp(parameter['AllowedPattern'] as string).test('arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/x-AbCdEf'), name);
      all[name] = secret ? SECRET(env.toLowerCase()) : `value-of-${env}`;
    }
    assert.deepEqual(missing, []);

    // Set, each reaches the function (secrets as ARNs the role may read); left empty, none does.
    const everything = render(template, { ...EXISTING_POOL, ...all });
    const variables = variablesOf(everything);
    for (const { env, secret } of settings) {
      const variable = secret ? `${env}_SECRET_ARN` : env;
      assert.deepEqual(variables[variable], { Ref: parameterFor(variable) }, variable);
    }
    const readable = statementsOf(everything, 'RolePolicy').find((s) => s['Sid'] === 'ReadProviderSecrets')!['Resource'] as unknown[];
    assert.deepEqual(new Set(readable), new Set(settings.filter((s) => s.secret).map(({ env }) => ({ Ref: parameterFor(`${env}_SECRET_ARN`) }))));
    assert.equal(readable.length, settings.filter((s) => s.secret).length);
    const none = variablesOf(render(template, { ...EXISTING_POOL, SendGridApiKeySecretArn: '' }));
    assert.deepEqual(settings.map(({ env, secret }) => (secret ? `${env}_SECRET_ARN` : env)).filter((variable) => variable in none), []);
  });

  const sendStatements = (values: Record<string, string>) =>
    Object.fromEntries(
      statementsOf(render(template, { ...EXISTING_POOL, ...values }), 'RolePolicy')
        .filter((s) => /^(ses|sns|sms-voice):/.test(String(s['Action'])))
        .map((s) => [String(s['Sid']), s]),
    );

  it('grants no AWS provider send permission when none is configured, nor for names that only contain one', () => {
    assert.deepEqual(sendStatements({}), {});
    assert.deepEqual(sendStatements({ EmailProviders: 'resend,sendgrid', SmsProviders: 'twilio,vonage' }), {});
  });

  it('grants ses:SendEmail on the sender identities, configuration set and (asked for) templates when ses is configured', () => {
    const ses = sendStatements({ EmailProviders: 'sendgrid,ses', EmailFrom: 'no-reply@mail.example.com', SesConfigurationSet: 'relay-events' });
    assert.deepEqual(Object.keys(ses), ['SendEmailWithSes']);
    const region = { SesArnRegion: { Ref: 'AWS::Region' } };
    assert.deepEqual(ses['SendEmailWithSes']!['Resource'], [
      { 'Fn::Sub': ['arn:${AWS::Partition}:ses:${SesArnRegion}:${AWS::AccountId}:identity/${EmailFrom}', region] },
      { 'Fn::Sub': ['arn:${AWS::Partition}:ses:${SesArnRegion}:${AWS::AccountId}:identity/${Domain}', { ...region, Domain: { 'Fn::Select': [1, { 'Fn::Split': ['@', { Ref: 'EmailFrom' }] }] } }] },
      { 'Fn::Sub': ['arn:${AWS::Partition}:ses:${SesArnRegion}:${AWS::AccountId}:configuration-set/${SesConfigurationSet}', region] },
    ]);
    const templates = sendStatements({ EmailProviders: 'ses', SesTemplates: 'true', SesRegion: 'us-east-1' })['SendEmailWithSes']!['Resource'] as unknown[];
    assert.deepEqual(templates.at(-1), { 'Fn::Sub': ['arn:${AWS::Partition}:ses:${SesArnRegion}:${AWS::AccountId}:template/*', { SesArnRegion: { Ref: 'SesRegion' } }] });
    assert.equal(templates.length, 3);
  });

  it('grants sns:Publish on "*" and sms-voice:SendTextMessage on EumResourceArns only for those SMS providers', () => {
    assert.deepEqual(sendStatements({ SmsProviders: 'twilio,sns' }), {
      SendSmsWithSns: { Sid: 'SendSmsWithSns', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
    });
    assert.deepEqual(sendStatements({ SmsProviders: 'eum' }), {
      SendSmsWithEndUserMessaging: { Sid: 'SendSmsWithEndUserMessaging', Effect: 'Allow', Action: 'sms-voice:SendTextMessage', Resource: { Ref: 'EumResourceArns' } },
    });
    assert.equal(template.Parameters['EumResourceArns']!['Type'], 'CommaDelimitedList');
    assert.equal(template.Parameters['EumResourceArns']!['Default'], '*');
  });

  it('accepts provider lists only without spaces, so the checks above cannot be dodged', () => {
    const pattern = new RegExp(template.Parameters['EmailProviders']!['AllowedPattern'] as string);
    assert.ok(pattern.test('sendgrid,ses') && pattern.test('') && pattern.test('ses'));
    assert.ok(!pattern.test('sendgrid, ses') && !pattern.test('SES') && !pattern.test('ses,'));
    assert.equal(template.Parameters['SmsProviders']!['AllowedPattern'], template.Parameters['EmailProviders']!['AllowedPattern']);
  });

  it('passes the delivery settings when set, and the SMS limits whenever SMS is on', () => {
    const values = { MaxAttempts: '2', AttemptTimeoutMs: '4000', UnknownOutcomeResends: '0', CircuitBreakerThreshold: '5', CircuitBreakerCooldownMs: '60000', SmsProviders: 'twilio', SmsAllowedCountries: '1,44', SmsMaxPerNumberPerHour: '20', Idempotency: 'true' };
    const variables = variablesOf(render(template, { ...EXISTING_POOL, ...values }));
    assert.deepEqual(
      Object.fromEntries(['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'UNKNOWN_OUTCOME_RESENDS', 'CIRCUIT_BREAKER_THRESHOLD', 'CIRCUIT_BREAKER_COOLDOWN_MS', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR'].map((n) => [n, variables[n]])),
      {
        MAX_ATTEMPTS: { Ref: 'MaxAttempts' }, ATTEMPT_TIMEOUT_MS: { Ref: 'AttemptTimeoutMs' }, UNKNOWN_OUTCOME_RESENDS: { Ref: 'UnknownOutcomeResends' }, CIRCUIT_BREAKER_THRESHOLD: { Ref: 'CircuitBreakerThreshold' },
        CIRCUIT_BREAKER_COOLDOWN_MS: { Ref: 'CircuitBreakerCooldownMs' }, SMS_ALLOWED_COUNTRIES: { Ref: 'SmsAllowedCountries' }, SMS_MAX_PER_NUMBER_PER_HOUR: { Ref: 'SmsMaxPerNumberPerHour' },
      },
    );
    assert.deepEqual(brokenRules(template, { ...EXISTING_POOL, ...values }), []);
    const defaults = variablesOf(existingPool);
    assert.deepEqual(['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'UNKNOWN_OUTCOME_RESENDS', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR'].filter((n) => n in defaults), []);
  });

  it('takes 0 to 3 unknown-outcome resends, the range the relay accepts, or empty for its default', () => {
    const pattern = new RegExp(template.Parameters['UnknownOutcomeResends']!['AllowedPattern'] as string);
    for (const ok of ['', '0', '1', '2', '3']) assert.ok(pattern.test(ok), ok);
    for (const bad of ['4', '-1', '01', '10', '1.5', 'one']) assert.ok(!pattern.test(bad), bad);
  });

  it('bounds the attempt timeout so one attempt fits in the 30 s function timeout with the 1 s margin', () => {
    assert.equal(resource(newPool, 'Function').Properties!['Timeout'], 30);
    const pattern = new RegExp(template.Parameters['AttemptTimeoutMs']!['AllowedPattern'] as string);
    for (const ok of ['', '100', '999', '5000', '10000', '28999', '29000']) assert.ok(pattern.test(ok), ok);
    for (const bad of ['99', '29001', '30000', '60000', '05000', '4s']) assert.ok(!pattern.test(bad), bad);
  });

  it('refuses, before creating anything, SMS without a country allow-list, a new key without administrators, two tables, and email without a sender', () => {
    assert.deepEqual(brokenRules(template, { ...EXISTING_POOL, SmsProviders: 'twilio' }), [
      'SmsAllowedCountries is required with SmsProviders; list the calling codes your users have, e.g. 1,44 (no default opens SMS to every country).',
    ]);
    assert.deepEqual(brokenRules(template, { ...EXISTING_POOL, SmsProviders: 'twilio', SmsAllowedCountries: '44' }), []);
    assert.deepEqual(brokenRules(template, { ...EXISTING_POOL, ExistingKmsKeyArn: '' }), [
      'KeyAdministratorArns is required with a new key; name the roles that administer it, including the one deploying this stack.',
    ]);
    assert.equal(brokenRules(template, { ...EXISTING_POOL, Idempotency: 'true', ExistingIdempotencyTableName: 'mine' }).length, 1);
    assert.equal(brokenRules(template, { ...EXISTING_POOL, EmailFrom: '' }).length, 1);
    assert.deepEqual(brokenRules(template, NEW_POOL), []);
  });

  it('limits SMS to 5 per number and hour by default, and accepts 1 to 10000', () => {
    assert.equal(template.Parameters['SmsMaxPerNumberPerHour']!['Default'], '5');
    const pattern = new RegExp(template.Parameters['SmsMaxPerNumberPerHour']!['AllowedPattern'] as string);
    for (const ok of ['1', '5', '999', '10000']) assert.ok(pattern.test(ok), ok);
    for (const bad of ['', '0', '10001', '05', 'all']) assert.ok(!pattern.test(bad), bad);
    assert.deepEqual(variablesOf(newPool)['SMS_MAX_PER_NUMBER_PER_HOUR'], { Ref: 'SmsMaxPerNumberPerHour' });
    assert.equal(template.Parameters['SmsAllowedCountries']!['Default'], '');
  });

  it('uses an existing idempotency table instead of creating one', () => {
    const rendered = render(template, { ...EXISTING_POOL, ExistingIdempotencyTableName: 'relay-idempotency' });
    assert.equal(rendered.Resources['Idempotency'], undefined);
    assert.deepEqual(variablesOf(rendered)['IDEMPOTENCY_TABLE'], { Ref: 'ExistingIdempotencyTableName' });
    assert.deepEqual(statementsOf(rendered, 'RolePolicy').find((s) => s['Sid'] === 'IdempotencyRecords')!['Resource'], {
      'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingIdempotencyTableName}',
    });
  });

  it('alarms on failed deliveries per configured channel with exactly the dimensions the relay writes, and on lost events', () => {
    const alarms = (rendered: Template) => Object.values(rendered.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties!);
    for (const channel of ['email', 'sms'] as const) {
      const rollup = failedDeliveryRollup(channel);
      const matching = alarms(newPool).filter((a) => a['Namespace'] === rollup.namespace && a['MetricName'] === rollup.metricName
        && JSON.stringify(Object.fromEntries((a['Dimensions'] as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]))) === JSON.stringify(rollup.dimensions));
      assert.equal(matching.length, 1, channel);
    }
    const emailOnly = alarms(existingPool).filter((a) => a['MetricName'] === 'Deliveries');
    assert.deepEqual(emailOnly.map((a) => (a['Dimensions'] as { Name: string; Value: string }[]).find((d) => d.Name === 'channel')!.Value), ['email']);
    for (const metric of ['DestinationDeliveryFailures', 'AsyncEventsDropped']) {
      assert.deepEqual(alarms(existingPool).find((a) => a['MetricName'] === metric)?.['Dimensions'], [{ Name: 'FunctionName', Value: { Ref: 'Function' } }], metric);
    }
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
    keyAdministrators: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/deployer')],
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
      allowedCountries: ['1', '44'],
      secrets: { TWILIO_AUTH_TOKEN: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Tw', SECRET('twilio')) },
      settings: { TWILIO_ACCOUNT_SID: NEW_POOL.TwilioAccountSid, TWILIO_FROM: NEW_POOL.TwilioFrom },
    },
  });
  const cdk = CdkTemplate.fromStack(stack).toJSON() as Template;
  const cdkFunction = Object.values(cdk.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!.Properties!;
  const cfnFunction = resource(newPool, 'Function').Properties!;

  it('creates the same resource types', () => {
    const types = (rendered: Template) => [...new Set(Object.values(rendered.Resources).map((r) => r.Type))].sort();
    assert.deepEqual(types(newPool), types(cdk));
  });

  it('grants the same IAM actions', () => {
    assert.deepEqual(iamActionsOf(newPool), iamActionsOf(cdk));
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

  it('raises the same alarms', () => {
    assert.deepEqual(alarmSignatures(newPool), alarmSignatures(cdk));
  });
});

/** Each alarm as namespace, metric, statistic and dimension names (values differ in form only). */
function alarmSignatures(rendered: Template): string[] {
  return Object.values(rendered.Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => {
      const p = r.Properties!;
      const dimensions = (p['Dimensions'] as { Name: string; Value: unknown }[]).map((d) => (typeof d.Value === 'string' ? `${d.Name}=${d.Value}` : d.Name));
      return `${String(p['Namespace'])} ${String(p['MetricName'])} ${String(p['Statistic'])} ${dimensions.sort().join(',')}`;
    })
    .sort();
}

function iamActionsOf(rendered: Template): string[] {
  return [...new Set(Object.values(rendered.Resources).flatMap((r) => {
    const documents = r.Type === 'AWS::IAM::Policy' ? [r.Properties!['PolicyDocument']]
      : r.Type === 'AWS::IAM::Role' ? ((r.Properties!['Policies'] as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument) : [];
    return documents.flatMap((d) => (d as { Statement: { Action: string | string[] }[] }).Statement.flatMap((s) => [s.Action].flat()));
  }))].sort();
}

describe('CloudFormation template and CDK construct, with AWS providers and delivery settings', () => {
  // An existing pool, SES email with a configuration set, SNS then End User Messaging SMS, every
  // delivery setting, an existing idempotency table.
  const values = {
    CodeS3Bucket: 'artifacts', CodeS3Key: 'cognito-relay/lambda.zip', ExistingUserPoolId: 'eu-west-1_AbCdEf123',
    EmailProviders: 'ses', EmailFrom: 'no-reply@example.com', SesConfigurationSet: 'relay', SesTemplates: 'true',
    SmsProviders: 'sns,eum', SnsSenderId: 'Example', EumOriginationIdentity: 'pool-0123',
    MaxAttempts: '2', AttemptTimeoutMs: '4000', UnknownOutcomeResends: '2', CircuitBreakerThreshold: '5', CircuitBreakerCooldownMs: '60000',
    SmsAllowedCountries: '1,44', SmsMaxPerNumberPerHour: '5', ExistingIdempotencyTableName: 'relay-idempotency', LogLevel: 'DEBUG', KeyAdministratorArns: ADMINS,
  };
  const cfn = render(template, values);
  const app = new App();
  const stack = new Stack(app, 'EquivalentAws', { env: { account: '111122223333', region: 'eu-west-1' } });
  new CognitoRelay(stack, 'Relay', {
    keyAdministrators: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/deployer')],
    userPool: cognito.UserPool.fromUserPoolId(stack, 'Users', values.ExistingUserPoolId),
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    idempotencyTable: dynamodb.Table.fromTableName(stack, 'Table', values.ExistingIdempotencyTableName),
    defaultLocale: 'en', // the template's DefaultLocale default
    delivery: { maxAttempts: 2, attemptTimeout: Duration.seconds(4), unknownOutcomeResends: 2, circuitBreakerThreshold: 5, circuitBreakerCooldown: Duration.minutes(1) },
    email: { providers: ['ses'], from: values.EmailFrom, sesTemplates: true, settings: { SES_CONFIGURATION_SET: 'relay', LOG_LEVEL: 'DEBUG' } },
    sms: { providers: ['sns', 'eum'], allowedCountries: ['1', '44'], maxPerNumberPerHour: 5, settings: { SNS_SENDER_ID: 'Example', EUM_ORIGINATION_IDENTITY: 'pool-0123' } },
  });
  const cdk = CdkTemplate.fromStack(stack).toJSON() as Template;
  const variableNames = (rendered: Template) =>
    Object.keys((Object.values(rendered.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!.Properties!['Environment'] as { Variables: object }).Variables).sort();

  it('is a valid parameter set', () => {
    assert.deepEqual(brokenRules(template, values), []);
  });

  it('grants the same IAM actions', () => {
    assert.deepEqual(iamActionsOf(cfn), iamActionsOf(cdk));
    assert.ok(iamActionsOf(cfn).includes('sms-voice:SendTextMessage'));
  });

  it('sets the same environment variable names', () => {
    assert.deepEqual(variableNames(cfn), variableNames(cdk));
  });

  it('creates the same resource types and alarms', () => {
    const types = (rendered: Template) => [...new Set(Object.values(rendered.Resources).map((r) => r.Type))].sort();
    assert.deepEqual(types(cfn), types(cdk));
    assert.deepEqual(alarmSignatures(cfn), alarmSignatures(cdk));
  });
});

/** Whether an IAM action pattern (with `*` wildcards) allows `action`. */
function allows(patterns: string[], action: string): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action));
}

describe('CloudFormation key policy', () => {
  const keyStatements = (rendered: Template) =>
    (resource(rendered, 'Key').Properties!['KeyPolicy'] as { Statement: Record<string, unknown>[] }).Statement;

  it('names exactly the administrators, Cognito and the relay role: no account-root kms:*', () => {
    for (const rendered of [newPool, existingPoolNewKey]) {
      const statements = keyStatements(rendered);
      assert.deepEqual(statements.map((s) => s['Sid']), ['KeyAdministration', 'CognitoEncryptsCodes', 'RelayDecryptsCodes']);
      assert.deepEqual(statements.map((s) => s['Principal']), [
        { AWS: { 'Fn::Split': [',', { Ref: 'KeyAdministratorArns' }] } },
        { Service: 'cognito-idp.amazonaws.com' },
        { AWS: { 'Fn::GetAtt': ['Role', 'Arn'] } },
      ]);
      assert.ok(!JSON.stringify(statements).includes(':root'));
      assert.ok(statements.every((s) => s['Effect'] === 'Allow' && ![s['Action']].flat().includes('kms:*')));
    }
  });

  it('lets the administrators manage the key (so it cannot be locked out) but never use it', () => {
    const admin = [keyStatements(newPool)[0]!['Action']].flat() as string[];
    for (const action of ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:CreateGrant', 'kms:RevokeGrant', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:EnableKeyRotation', 'kms:DescribeKey', 'kms:TagResource']) {
      assert.ok(allows(admin, action), action);
    }
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom']) assert.ok(!allows(admin, action), action);
    // KMS checks on creation that the caller could change the policy later; the guide and the
    // parameter say to include the deployer, and nothing bypasses the check.
    assert.equal(resource(newPool, 'Key').Properties!['BypassPolicyLockoutSafetyCheck'], undefined);
  });

  it("lets Cognito encrypt and create grants only for this account's pools, and only the existing pool when there is one", () => {
    const cognitoOf = (rendered: Template) => keyStatements(rendered)[1]!;
    assert.deepEqual(cognitoOf(newPool)['Action'], ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:CreateGrant']);
    assert.deepEqual(cognitoOf(newPool)['Condition'], {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      // The new pool references the key, so the key cannot name it (that would be a cycle).
      ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*' } },
    });
    assert.deepEqual(cognitoOf(existingPoolNewKey)['Condition'], {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${ExistingUserPoolId}' } },
    });
  });

  it("lets the relay role only decrypt, and only codes bound to the pool's ID", () => {
    const relayOf = (rendered: Template) => keyStatements(rendered)[2]!;
    assert.equal(relayOf(existingPoolNewKey)['Action'], 'kms:Decrypt');
    assert.deepEqual(relayOf(existingPoolNewKey)['Condition'], { StringLike: { 'kms:EncryptionContext:userpool-id': { Ref: 'ExistingUserPoolId' } } });
    assert.deepEqual(relayOf(newPool)['Condition'], { StringLike: { 'kms:EncryptionContext:userpool-id': { 'Fn::Sub': '${AWS::Region}_*' } } });
    // And the role's own policy names the new pool exactly.
    assert.deepEqual(statementsOf(newPool, 'PoolAccessPolicy').find((s) => s['Sid'] === 'DecryptCognitoCodes')!['Condition'], {
      StringEquals: { 'kms:EncryptionContext:userpool-id': { Ref: 'UserPool' } },
    });
  });

  it('leaves an existing key alone', () => {
    assert.equal(existingPool.Resources['Key'], undefined);
  });

  it('grants kms:Decrypt through Secrets Manager only on the customer-managed keys of the secrets, when given', () => {
    const keys = `${KEY_ARN},arn:aws:kms:eu-west-1:111122223333:key/abcd`;
    const rendered = render(template, { ...EXISTING_POOL, SecretsKmsKeyArns: keys });
    assert.deepEqual(statementsOf(rendered, 'RolePolicy').find((s) => s['Sid'] === 'DecryptProviderSecrets'), {
      Sid: 'DecryptProviderSecrets', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { Ref: 'SecretsKmsKeyArns' },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } },
    });
    assert.equal(template.Parameters['SecretsKmsKeyArns']!['Type'], 'CommaDelimitedList');
    assert.equal(statementsOf(existingPool, 'RolePolicy').find((s) => s['Sid'] === 'DecryptProviderSecrets'), undefined);
  });
});

describe('CloudFormation deploy guide', () => {
  const guide = readFileSync(GUIDE_PATH, 'utf8');
  /** Each `aws cloudformation deploy` command of the guide: its --parameter-overrides as a map. */
  const commands = [...guide.matchAll(/```sh\n(aws cloudformation deploy[\s\S]*?)```/g)].map(([, text]) => {
    const overrides = text!.replace(/\\\n/g, ' ').split('--parameter-overrides')[1] ?? '';
    return Object.fromEntries(overrides.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
  });

  it('has deploy commands for both modes', () => {
    assert.ok(commands.length >= 2);
    assert.ok(commands.some((c) => !c['ExistingUserPoolId']) && commands.some((c) => c['ExistingUserPoolId']));
  });

  it("names only the template's parameters in its commands, which pass the template's rules and the registry schemas", () => {
    for (const command of commands) {
      assert.deepEqual(Object.keys(command).filter((name) => !(name in template.Parameters)), []);
      assert.deepEqual(brokenRules(template, command), []);
      assert.deepEqual(schemaProblems(render(template, command)), []);
    }
  });

  it('lists every parameter of the template, and none it does not have', () => {
    // The cells of the columns headed "parameter", "settings" and "secret…" of the guide's tables.
    const named = new Set<string>();
    let columns: boolean[] = [];
    for (const line of guide.split('\n')) {
      if (!line.startsWith('|')) {
        columns = [];
        continue;
      }
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      if (columns.length === 0) columns = cells.map((header) => /^(parameter|settings|secret)/.test(header));
      else cells.forEach((cell, i) => columns[i] && [...cell.matchAll(/`([A-Z][A-Za-z0-9]+)`/g)].forEach(([, name]) => named.add(name!)));
    }
    assert.deepEqual(Object.keys(template.Parameters).filter((name) => !named.has(name)), []);
    assert.deepEqual([...named].filter((name) => !(name in template.Parameters)), []);
  });
});
