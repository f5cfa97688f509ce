/**
 * infra/terraform/modules/landing-page: the hosting of the verification landing page, parsed with
 * @cdktf/hcl2json (HashiCorp's HCL parser). `terraform fmt` and the provider-schema check run in
 * terraform.test.ts with the other configurations; here: what the module promises (private,
 * TLS-only bucket read by the distribution only, config.json, the optional SECRET_HASH endpoint)
 * and that the relay module passes LINK_BASE_URL through.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import hcl2json from '@cdktf/hcl2json';

const ROOT = new URL('../../infra/terraform/modules/', import.meta.url).pathname;
type Block = Record<string, any>;

async function load(dir: string): Promise<{ resource: Record<string, Record<string, Block[]>>; data: Record<string, Record<string, Block[]>>; variable: Record<string, Block[]>; output: Record<string, Block[]>; locals: Block[] }> {
  const config = { resource: {} as Record<string, Record<string, Block[]>>, data: {} as Record<string, Record<string, Block[]>>, variable: {} as Record<string, Block[]>, output: {} as Record<string, Block[]>, locals: [] as Block[] };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf'))) {
    const parsed = (await hcl2json.parse(file, readFileSync(join(dir, file), 'utf8'))) as Block;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, Block[]>>)) config[kind][type] = { ...config[kind][type], ...byName };
    }
    Object.assign(config.variable, parsed['variable'] ?? {});
    Object.assign(config.output, parsed['output'] ?? {});
    config.locals.push(...((parsed['locals'] ?? []) as Block[]));
  }
  return config;
}

describe('Terraform module landing-page', async () => {
  const config = await load(join(ROOT, 'landing-page'));
  const resource = (type: string, name: string) => {
    const block = config.resource[type]?.[name]?.[0];
    assert.ok(block, `${type}.${name}`);
    return block;
  };
  const locals = Object.assign({}, ...config.locals) as Record<string, string>;

  it('keeps the bucket private and TLS only, readable by this distribution only (origin access control)', () => {
    const block = resource('aws_s3_bucket_public_access_block', 'site');
    for (const flag of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) assert.equal(block[flag], true, flag);
    const [deny, reads] = config.data['aws_iam_policy_document']!['site']![0]!['statement'] as Block[];
    assert.equal(deny!['effect'], 'Deny');
    assert.deepEqual(deny!['condition'], [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
    assert.deepEqual(reads!['actions'], ['s3:GetObject']);
    assert.deepEqual(reads!['principals'], [{ type: 'Service', identifiers: ['cloudfront.amazonaws.com'] }]);
    assert.deepEqual(reads!['condition'], [{ test: 'StringEquals', variable: 'AWS:SourceArn', values: ['${aws_cloudfront_distribution.this.arn}'] }]);
    const distribution = resource('aws_cloudfront_distribution', 'this');
    assert.equal(distribution['origin'][0]['origin_access_control_id'], '${aws_cloudfront_origin_access_control.site.id}');
    assert.equal(distribution['default_cache_behavior'][0]['viewer_protocol_policy'], 'redirect-to-https');
    assert.deepEqual(distribution['default_cache_behavior'][0]['allowed_methods'], ['GET', 'HEAD']);
    assert.equal(resource('aws_cloudfront_origin_access_control', 'site')['signing_behavior'], 'always');
  });

  it('uploads the page with its content types, and a config.json written from the region and inputs', () => {
    const files = resource('aws_s3_object', 'site');
    assert.equal(files['for_each'], '${toset(local.site_files)}');
    assert.match(files['content_type'], /local\.content_types/);
    assert.match(JSON.stringify(config.locals), /"js":"text\/javascript; charset=utf-8"/);
    const configJson = resource('aws_s3_object', 'config');
    assert.equal(configJson['key'], 'config.json');
    assert.equal(configJson['content'], '${jsonencode(local.config)}');
    assert.match(locals['config']!, /cognitoEndpoint = coalesce\(var\.cognito_endpoint, "https:\/\/cognito-idp\.\$\{local\.region\}\.amazonaws\.com\/"\)/);
    assert.match(locals['config']!, /secretClients = \{ for id in var\.secret_hash\.client_ids : id => aws_lambda_function_url\.secret_hash\[0\]\.function_url \}/);
  });

  it('creates the SECRET_HASH endpoint only with secret_hash: a function URL for the page origin, a role that only logs', () => {
    for (const [type, name] of [['aws_lambda_function', 'secret_hash'], ['aws_lambda_function_url', 'secret_hash'], ['aws_iam_role', 'secret_hash'], ['aws_lambda_permission', 'secret_hash_url'], ['aws_lambda_permission', 'secret_hash_invoke']] as const) {
      assert.equal(resource(type, name)['count'], '${var.secret_hash == null ? 0 : 1}', `${type}.${name}`);
    }
    const fn = resource('aws_lambda_function', 'secret_hash');
    assert.equal(fn['runtime'], 'nodejs22.x');
    assert.equal(fn['handler'], 'index.handler');
    assert.deepEqual(Object.keys(fn['environment'][0]['variables']).sort(), ['ALLOWED_ORIGIN', 'CLIENT_SECRETS']);
    assert.equal(fn['environment'][0]['variables']['ALLOWED_ORIGIN'], 'https://${aws_cloudfront_distribution.this.domain_name}');
    assert.equal(resource('aws_lambda_function_url', 'secret_hash')['authorization_type'], 'NONE');
    assert.equal(resource('aws_lambda_permission', 'secret_hash_invoke')['invoked_via_function_url'], true);
    const [logs] = config.data['aws_iam_policy_document']!['secret_hash_logs']![0]!['statement'] as Block[];
    assert.deepEqual(logs!['actions'], ['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('outputs link_base_url, which the relay module passes through as LINK_BASE_URL', async () => {
    assert.equal(config.output['link_base_url']![0]!['value'], 'https://${aws_cloudfront_distribution.this.domain_name}/');
    const relay = await load(join(ROOT, 'cognito-relay'));
    assert.equal(relay.variable['link_base_url']![0]!['default'], null);
    const environment = relay.locals.find((l) => 'environment' in l)!['environment'] as string;
    assert.match(environment, /var\.link_base_url == null \? \{\} : \{ LINK_BASE_URL = var\.link_base_url \}/);
  });
});
