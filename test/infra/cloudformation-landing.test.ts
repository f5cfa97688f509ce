/**
 * infra/cloudformation/landing-page.yaml (the verification landing page, a template of its own:
 * the relay's template is at the inline size limit) and the relay template's LinkBaseUrl. Parsed
 * as CloudFormation reads it, rendered with and without the SECRET_HASH endpoint, checked against
 * the CloudFormation registry schemas (test/infra/cfn-schema.ts) and through CfnInclude.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { dependencyCycles, duplicateLogicalNames, schemaProblems, unresolvedReferences } from './cfn-schema.ts';
import { brokenRules, readTemplate, render, type Template } from './cfn-yaml.ts';

const LANDING_PATH = new URL('../../infra/cloudformation/landing-page.yaml', import.meta.url).pathname;
const RELAY_PATH = new URL('../../infra/cloudformation/cognito-relay.yaml', import.meta.url).pathname;
const landing = readTemplate(LANDING_PATH);

const WITH_SECRET_HASH = {
  SecretHashCodeS3Bucket: 'artifacts',
  SecretHashCodeS3Key: 'cognito-relay/secret-hash.zip',
  ClientSecretsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/client-secrets-AbCdEf',
};
const pageOnly = render(landing, {});
const withSecretHash = render(landing, WITH_SECRET_HASH);

function resource(rendered: Template, id: string) {
  const found = rendered.Resources[id];
  assert.ok(found, `resource ${id}`);
  return found;
}

describe('CloudFormation: landing page template', () => {
  it('matches the registry schemas with and without the SECRET_HASH endpoint, every reference resolves', () => {
    for (const rendered of [pageOnly, withSecretHash]) {
      assert.deepEqual(schemaProblems(rendered), []);
      assert.deepEqual(unresolvedReferences(rendered), []);
      assert.deepEqual(duplicateLogicalNames(rendered), []);
      assert.deepEqual(dependencyCycles(rendered), []);
    }
  });

  it('round-trips through aws-cdk-lib CfnInclude', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Included', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
    new CfnInclude(stack, 'Template', { templateFile: LANDING_PATH });
    const synthesized = app.synth().getStackByName('Included').template as { Resources: Record<string, unknown> };
    assert.deepEqual(Object.keys(synthesized.Resources).sort(), Object.keys(landing.Resources).sort());
  });

  it('keeps the bucket private and TLS only; only the distribution (through OAC) reads it', () => {
    const bucket = resource(pageOnly, 'SiteBucket').Properties!;
    assert.deepEqual(bucket['PublicAccessBlockConfiguration'], { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const statements = (resource(pageOnly, 'SiteBucketPolicy').Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement;
    assert.deepEqual(statements.find((s) => s['Effect'] === 'Deny')?.['Condition'], { Bool: { 'aws:SecureTransport': 'false' } });
    const reads = statements.find((s) => s['Effect'] === 'Allow')!;
    assert.deepEqual(reads['Principal'], { Service: 'cloudfront.amazonaws.com' });
    assert.equal(reads['Action'], 's3:GetObject');
    assert.match(JSON.stringify(reads['Condition']), /AWS:SourceArn.*distribution\/\$\{Distribution\}/);
    const config = resource(pageOnly, 'Distribution').Properties!['DistributionConfig'] as Record<string, any>;
    assert.deepEqual(config['Origins'][0].OriginAccessControlId, { 'Fn::GetAtt': ['OriginAccessControl', 'Id'] });
    assert.equal(config['DefaultCacheBehavior'].ViewerProtocolPolicy, 'redirect-to-https');
    assert.deepEqual(config['DefaultCacheBehavior'].AllowedMethods, ['GET', 'HEAD']);
  });

  it('without code for it, creates no SECRET_HASH endpoint; with it, a function URL for the page origin', () => {
    assert.equal(Object.values(pageOnly.Resources).some((r) => r.Type.startsWith('AWS::Lambda::')), false);
    assert.equal(pageOnly.Outputs['SecretHashEndpoint'], undefined);
    assert.deepEqual(brokenRules(landing, {}), []);
    assert.deepEqual(brokenRules(landing, WITH_SECRET_HASH), []);
    assert.equal(brokenRules(landing, { SecretHashCodeS3Bucket: 'artifacts' }).length, 1, 'a bucket alone is refused');

    const fn = resource(withSecretHash, 'SecretHashFunction').Properties!;
    assert.equal(fn['Runtime'], 'nodejs22.x');
    assert.deepEqual((fn['Environment'] as { Variables: Record<string, unknown> }).Variables, {
      CLIENT_SECRETS: { 'Fn::Sub': '{{resolve:secretsmanager:${ClientSecretsSecretArn}:SecretString}}' },
      ALLOWED_ORIGIN: { 'Fn::Sub': 'https://${Distribution.DomainName}' },
    });
    assert.equal(resource(withSecretHash, 'SecretHashUrl').Properties!['AuthType'], 'NONE');
    assert.ok(withSecretHash.Outputs['SecretHashEndpoint']);
  });

  it('outputs LinkBaseUrl, which the relay template passes through as LINK_BASE_URL', () => {
    assert.deepEqual(pageOnly.Outputs['LinkBaseUrl']?.Value, { 'Fn::Sub': 'https://${Distribution.DomainName}/' });
    const relay = readTemplate(RELAY_PATH);
    assert.equal(relay.Parameters['LinkBaseUrl']?.['Default'], '');
    const fn = Object.values(relay.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes('KMS_KEY_ARN'))!;
    const variables = (fn.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(variables['LINK_BASE_URL'], { 'Fn::If': ['HasLink', { Ref: 'LinkBaseUrl' }, { Ref: 'AWS::NoValue' }] });
    const base = { CodeS3Bucket: 'artifacts', CodeS3Key: 'lambda.zip', ExistingUserPoolId: 'eu-west-1_AbCdEf123', ExistingKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', EmailFrom: 'no-reply@example.com' };
    const linkOf = (values: Record<string, string>) => {
      const rendered = Object.values(render(relay, values).Resources).find((r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes('KMS_KEY_ARN'))!;
      return (rendered.Properties!['Environment'] as { Variables: Record<string, unknown> }).Variables['LINK_BASE_URL'];
    };
    assert.deepEqual(linkOf({ ...base, LinkBaseUrl: 'https://d111111abcdef8.cloudfront.net/' }), { Ref: 'LinkBaseUrl' });
    assert.equal(linkOf(base), undefined, 'empty: no LINK_BASE_URL at all');
    assert.ok(statSync(RELAY_PATH).size < 51_200, 'the relay template still deploys inline');
  });
});
