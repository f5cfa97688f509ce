/**
 * The CDK construct's optional landing page hosting (`landingPage`, or `LandingPage` alone):
 * private S3 bucket behind CloudFront with origin access control, config.json from the stack's
 * region, the optional SECRET_HASH function URL, and `LINK_BASE_URL` on the relay. Synthesised
 * templates (aws-cdk-lib/assertions), checked against the registry schemas like the others.
 * The page's files come from dist/landing (`npm run build` first).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, SecretValue, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CognitoRelay, type CognitoRelayProps } from '../../infra/cdk/src/cognito-relay.ts';
import { dependencyCycles, schemaProblems } from './cfn-schema.ts';
import type { Template as CfnTemplate } from './cfn-yaml.ts';

const site = fileURLToPath(new URL('../../dist/landing/site', import.meta.url));

function build(overrides: Partial<CognitoRelayProps>): { relay: CognitoRelay; template: Template } {
  assert.ok(existsSync(site), 'run `npm run build` first: the page is deployed from dist/landing');
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const relay = new CognitoRelay(stack, 'Relay', {
    keyAdministrators: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/deployer')],
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
    email: { providers: ['ses'], from: 'no-reply@example.com' },
    ...overrides,
  });
  return { relay, template: Template.fromStack(stack) };
}

function relayEnvironment(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: 'cognito-relay: Cognito custom email/SMS sender' } });
  const [fn] = Object.values(functions) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
  return fn!.Properties.Environment.Variables;
}

describe('CDK: landing page hosting', () => {
  it('without landingPage nothing is hosted and LINK_BASE_URL is absent (or the given linkBaseUrl)', () => {
    const plain = build({});
    plain.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    plain.template.resourceCountIs('AWS::S3::Bucket', 0);
    assert.equal(relayEnvironment(plain.template)['LINK_BASE_URL'], undefined);
    const elsewhere = build({ linkBaseUrl: 'https://acme.example/verify/' });
    assert.equal(relayEnvironment(elsewhere.template)['LINK_BASE_URL'], 'https://acme.example/verify/');
  });

  it('hosts the page on a private TLS-only bucket behind CloudFront (OAC) and points LINK_BASE_URL at it', () => {
    // Act
    const { relay, template } = build({ landingPage: { appUrl: 'https://app.acme.example/' } });

    // Assess: the bucket is private and TLS only; only this distribution may read it
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject', Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({ SecurityHeadersConfig: Match.objectLike({ ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true } }) }),
    });
    // The files and config.json are deployed (and the cache invalidated)
    template.hasResourceProperties('Custom::CDKBucketDeployment', { DistributionId: Match.anyValue() });
    // LINK_BASE_URL is https://<distribution domain>/
    const distributionId = Object.keys(template.findResources('AWS::CloudFront::Distribution'))[0]!;
    assert.deepEqual(relayEnvironment(template)['LINK_BASE_URL'], { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] });
    assert.ok(relay.landingPage);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('with secretClients: a SECRET_HASH function URL (auth NONE) for the page origin, the secret resolved at deploy', () => {
    // Act
    const { template } = build({
      landingPage: { secretClients: [{ clientId: '6u7c9vr3pkstoog5d2ms1i0a8', clientSecret: SecretValue.secretsManager('acme/client-secret') }] },
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('SECRET_HASH') } });
    const [fn] = Object.values(functions) as { Properties: { Runtime: string; Environment: { Variables: Record<string, unknown> } } }[];
    assert.equal(fn?.Properties.Runtime, 'nodejs22.x');
    // Its role writes its own log group, nothing else: no managed policy, no other statement
    template.hasResourceProperties('AWS::IAM::Role', { Description: Match.stringLikeRegexp('SECRET_HASH'), ManagedPolicyArns: Match.absent() });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[] }[] } } }[];
    const roleId = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('SECRET_HASH') } }))[0]!;
    const actions = policies.filter((p) => p.Properties.Roles.some((r) => r.Ref === roleId)).flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((st) => st.Action));
    assert.deepEqual(actions.sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
    const env = JSON.stringify(fn!.Properties.Environment.Variables);
    assert.match(env, /"CLIENT_SECRETS"/);
    assert.match(env, /6u7c9vr3pkstoog5d2ms1i0a8/);
    assert.match(env, /\{\{resolve:secretsmanager:acme\/client-secret:SecretString:::\}\}/);
    assert.match(env, /"ALLOWED_ORIGIN":\{"Fn::Join":\["",\["https:\/\/",\{"Fn::GetAtt":\["\w+","DomainName"\]\}\]\]\}/);
  });

  it('refuses landingPage together with linkBaseUrl', () => {
    assert.throws(() => build({ landingPage: {}, linkBaseUrl: 'https://acme.example/' }), /landingPage.*linkBaseUrl/);
  });

  it('the synthesised template matches the registry schemas, without cycles', () => {
    const { template } = build({ landingPage: { secretClients: [{ clientId: 'abc', clientSecret: SecretValue.unsafePlainText('s') }] } });
    const json = template.toJSON() as CfnTemplate;
    // Custom resources (the file deployment) have no registry schema: everything else must match.
    assert.deepEqual(schemaProblems(json).filter((problem) => !/: Custom::\w+ is not a resource type/.test(problem)), []);
    assert.deepEqual(dependencyCycles(json), []);
  });
});
