/**
 * The Terraform module and its examples: `terraform fmt -check` by the terraform binary, and
 * parsed with @cdktf/hcl2json (HashiCorp's HCL parser as WebAssembly). `terraform validate` needs
 * the AWS provider, which cannot be downloaded here, so every resource type, data source,
 * argument and block is checked against the provider's published schema (v5 and v6,
 * test/infra/fixtures/aws-provider-schema.json, extracted from the prebuilt provider packages);
 * then references, least-privilege IAM, the key policy and the native lambda_config wiring.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import hcl2json from '@cdktf/hcl2json';
import { failedDeliveryRollup } from './emf.ts';
import { SOURCES, typesUsed, type BlockSchema, type ProviderSchema, type TypeSchema } from './fixtures/extract-aws-provider-schema.ts';

const ROOT = new URL('../../infra/terraform/', import.meta.url).pathname;
const MODULE_DIR = join(ROOT, 'modules/cognito-relay');

type Block = Record<string, unknown>;
interface Config {
  files: Record<string, string>;
  resource: Record<string, Record<string, Block[]>>;
  data: Record<string, Record<string, Block[]>>;
  variable: Record<string, Block[]>;
  output: Record<string, Block[]>;
  module: Record<string, Block[]>;
  locals: Block[];
}

/** Parses every .tf file of a directory and merges them, as Terraform does. */
async function load(dir: string): Promise<Config> {
  const config: Config = { files: {}, resource: {}, data: {}, variable: {}, output: {}, module: {}, locals: [] };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    config.files[file] = text;
    const parsed = (await hcl2json.parse(file, text)) as Record<string, unknown>;
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries((parsed[kind] ?? {}) as Record<string, Record<string, Block[]>>)) {
        config[kind][type] = { ...config[kind][type], ...byName };
      }
    }
    for (const kind of ['variable', 'output', 'module'] as const) Object.assign(config[kind], parsed[kind] ?? {});
    config.locals.push(...((parsed['locals'] ?? []) as Block[]));
  }
  return config;
}

function one(config: Config, type: string, name: string): Block {
  const block = config.resource[type]?.[name]?.[0];
  assert.ok(block, `resource ${type}.${name}`);
  return block;
}

function policyDocument(config: Config, name: string): Block[] {
  const document = config.data['aws_iam_policy_document']?.[name]?.[0];
  assert.ok(document, `data.aws_iam_policy_document.${name}`);
  const statements = (document['statement'] ?? []) as Block[];
  const dynamic = ((document['dynamic'] as { statement?: { content: Block[] }[] } | undefined)?.statement ?? []).flatMap((d) => d.content);
  return [...statements, ...dynamic];
}

/** Every `${…}` expression string in a parsed value. */
function expressions(node: unknown): string[] {
  if (typeof node === 'string') return node.includes('${') ? [node] : [];
  if (Array.isArray(node)) return node.flatMap(expressions);
  if (node && typeof node === 'object') return Object.values(node).flatMap(expressions);
  return [];
}

/** References that do not resolve to a declared variable, local, resource, data source or module. */
function unresolved(config: Config, parsedTrees: unknown[]): string[] {
  const locals = new Set(config.locals.flatMap((l) => Object.keys(l)));
  const problems = new Set<string>();
  for (const expression of parsedTrees.flatMap(expressions)) {
    for (const [token] of expression.matchAll(/\b(var|local|module|data)\.[a-z0-9_]+(\.[a-z0-9_]+)?|\baws_[a-z0-9_]+\.[a-z0-9_]+/g)) {
      const [root, first, second] = token.split('.') as [string, string, string | undefined];
      const ok =
        root === 'var' ? first in config.variable
        : root === 'local' ? locals.has(first)
        : root === 'module' ? first in config.module
        : root === 'data' ? Boolean(second && config.data[first]?.[second])
        : Boolean(config.resource[root]?.[first]);
      if (!ok) problems.add(token);
    }
  }
  return [...problems].sort();
}

async function parsedTrees(dir: string): Promise<unknown[]> {
  const trees: unknown[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.tf'))) trees.push(await hcl2json.parse(file, readFileSync(join(dir, file), 'utf8')));
  return trees;
}

describe('Terraform module cognito-relay', async () => {
  const config = await load(MODULE_DIR);

  it('has the standard module files and a README that states what was verified', () => {
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md']) assert.ok(existsSync(join(MODULE_DIR, file)), file);
    const readme = readFileSync(join(MODULE_DIR, 'README.md'), 'utf8');
    assert.match(readme, /## Status/);
    assert.match(readme, /Not run through `terraform validate`/);
  });

  it('consists only of AWS resources, with no null_resource or provisioner', () => {
    assert.deepEqual(Object.keys(config.resource).filter((type) => !type.startsWith('aws_')), []);
    assert.doesNotMatch(JSON.stringify(config.resource), /"provisioner"/);
  });

  it('declares every variable, local, resource and data source it references', async () => {
    assert.deepEqual(unresolved(config, await parsedTrees(MODULE_DIR)), []);
  });

  it('creates a symmetric key with rotation unless one is given', () => {
    const key = one(config, 'aws_kms_key', 'this');
    assert.equal(key['count'], '${var.create_kms_key ? 1 : 0}');
    assert.equal(key['enable_key_rotation'], true);
    assert.equal(key['customer_master_key_spec'], 'SYMMETRIC_DEFAULT');
    assert.equal(key['key_usage'], 'ENCRYPT_DECRYPT');
    assert.equal(key['policy'], '${data.aws_iam_policy_document.key.json}');
  });

  it('runs the function on nodejs22.x / arm64 with index.handler from the built zip, logging to its own group', () => {
    const fn = one(config, 'aws_lambda_function', 'this');
    assert.equal(fn['runtime'], 'nodejs22.x');
    assert.deepEqual(fn['architectures'], ['arm64']);
    assert.equal(fn['handler'], 'index.handler');
    assert.equal(fn['filename'], '${var.lambda_zip_path}');
    assert.equal(fn['source_code_hash'], '${filebase64sha256(var.lambda_zip_path)}');
    assert.deepEqual(fn['environment'], [{ variables: '${local.environment}' }]);
    assert.deepEqual(fn['logging_config'], [{ log_format: 'Text', log_group: '${aws_cloudwatch_log_group.this.name}' }]);
    // The function must not wait on the pool-scoped policy: the pool references the function.
    assert.deepEqual(fn['depends_on'], ['${aws_iam_role_policy.function}', '${aws_cloudwatch_log_group.this}']);
  });

  it('builds the same environment variable names as the other deployment paths, secrets only by reference', () => {
    const environment = config.locals.find((l) => 'environment' in l)!['environment'] as string;
    for (const name of ['KMS_KEY_ARN', 'EMAIL_PROVIDERS', 'EMAIL_FROM', 'EMAIL_FROM_NAME', 'EMAIL_REPLY_TO', 'SMS_PROVIDERS', 'APP_NAME', 'DEFAULT_LOCALE', 'IDEMPOTENCY_TABLE']) {
      assert.match(environment, new RegExp(`\\b${name} =`), name);
    }
    assert.match(environment, /"\$\{name\}_SECRET_ARN" => arn/);
    assert.match(environment, /"\$\{name\}_PARAMETER" => parameter/);
    const settingsRule = (config.variable['settings']![0]!['validation'] as Block[])[0]!['condition'] as string;
    assert.match(settingsRule, /API_KEY\|_KEY\|TOKEN\|SECRET\|PASSWORD/);
  });

  it('lets only Cognito invoke the function, for the pool and the account', () => {
    const permission = one(config, 'aws_lambda_permission', 'cognito');
    assert.equal(permission['principal'], 'cognito-idp.amazonaws.com');
    assert.equal(permission['action'], 'lambda:InvokeFunction');
    assert.equal(permission['source_arn'], '${local.user_pool_arn}');
    assert.equal(permission['source_account'], '${local.account_id}');
    const poolArn = config.locals.find((l) => 'user_pool_arn' in l)!['user_pool_arn'];
    assert.equal(poolArn, 'arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/${var.user_pool_id}');
  });

  it('retries, then sends failed events to an encrypted, TLS-only queue, and alarms on both', () => {
    const invokeConfig = one(config, 'aws_lambda_function_event_invoke_config', 'this');
    assert.deepEqual(invokeConfig['destination_config'], [{ on_failure: [{ destination: '${aws_sqs_queue.dead_letters.arn}' }] }]);
    assert.equal(invokeConfig['maximum_retry_attempts'], '${var.retry_attempts}');
    assert.equal(one(config, 'aws_sqs_queue', 'dead_letters')['sqs_managed_sse_enabled'], true);
    const [deny] = policyDocument(config, 'dead_letters_tls_only');
    assert.equal(deny!['effect'], 'Deny');
    assert.deepEqual(deny!['condition'], [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
    assert.equal(one(config, 'aws_cloudwatch_metric_alarm', 'function')['namespace'], 'AWS/Lambda');
    assert.equal(one(config, 'aws_cloudwatch_metric_alarm', 'dead_letters')['metric_name'], 'ApproximateNumberOfMessagesVisible');
  });

  it('grants kms:Decrypt on the key only, for codes of this pool only, and AdminGetUser on the pool only', () => {
    const [decrypt, lookUp] = policyDocument(config, 'pool_access');
    assert.deepEqual(decrypt, {
      sid: 'DecryptCognitoCodes', actions: ['kms:Decrypt'], resources: ['${local.key_arn}'],
      condition: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:userpool-id', values: ['${var.user_pool_id}'] }],
    });
    assert.deepEqual(lookUp, { sid: 'LookUpRecipient', actions: ['cognito-idp:AdminGetUser'], resources: ['${local.user_pool_arn}'] });
  });

  it('grants the function role only named resources, never a managed policy, and "*" only to send an SMS', () => {
    const statements = [...policyDocument(config, 'function'), ...policyDocument(config, 'pool_access')];
    assert.deepEqual(statements.flatMap((s) => s['actions'] as string[]).sort(), [
      'cognito-idp:AdminGetUser', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
      'kms:Decrypt', 'kms:Decrypt', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue',
      'ses:SendEmail', 'sms-voice:SendTextMessage', 'sns:Publish',
      'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage', 'ssm:GetParameter',
    ]);
    for (const statement of statements) {
      if ((statement['resources'] as string[] | string).includes('*')) assert.equal(statement['sid'], 'SendSmsWithSns', JSON.stringify(statement));
      assert.equal(statement['effect'] ?? 'Allow', 'Allow');
    }
    const readSecrets = statements.find((s) => s['sid'] === 'ReadProviderSecrets');
    assert.equal(readSecrets?.['resources'], '${values(var.secret_arns)}');
    assert.equal(config.resource['aws_iam_role_policy_attachment'], undefined);
  });

  it('grants each AWS provider its send permission only when it is in the provider list', () => {
    const dynamic = (config.data['aws_iam_policy_document']!['function']![0]!['dynamic'] as { statement: { for_each: string; content: Block[] }[] }).statement;
    const gate = (sid: string) => dynamic.find((d) => d.content[0]!['sid'] === sid);
    assert.equal(gate('SendEmailWithSes')?.for_each, '${contains(local.email_providers, "ses") ? [1] : []}');
    assert.equal(gate('SendSmsWithSns')?.for_each, '${contains(local.sms_providers, "sns") ? [1] : []}');
    assert.equal(gate('SendSmsWithEndUserMessaging')?.for_each, '${contains(local.sms_providers, "eum") ? [1] : []}');
    assert.deepEqual(gate('SendSmsWithSns')?.content[0]!['resources'], ['*']);
    assert.equal(gate('SendSmsWithEndUserMessaging')?.content[0]!['resources'], '${var.sms.eum_resource_arns}');
    assert.equal(gate('SendEmailWithSes')?.content[0]!['resources'], '${local.ses_resources}');

    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    assert.match(locals['email_providers']!, /for name in var\.email\.providers : lower\(trimspace\(name\)\)/);
    assert.match(locals['sms_providers']!, /for name in var\.sms\.providers : lower\(trimspace\(name\)\)/);
    // The sender's address and domain identities; the configuration set and templates only when set.
    const ses = locals['ses_resources']!;
    assert.match(ses, /^\$\{contains\(local\.email_providers, "ses"\) \? concat\(/);
    assert.ok(ses.includes(':identity/${var.email.from}'), ses);
    assert.ok(ses.includes(':identity/${element(split("@", var.email.from), 1)}'), ses);
    assert.ok(ses.includes(':configuration-set/${var.settings["SES_CONFIGURATION_SET"]}'), ses);
    assert.ok(ses.includes('var.email.ses_templates ? ["${local.ses_arn}:template/*"] : []'), ses);
    assert.equal(locals['ses_arn'], 'arn:${local.partition}:ses:${local.ses_region}:${local.account_id}');
    const smsType = config.variable['sms']![0]!['type'] as string;
    assert.match(smsType, /eum_resource_arns\s*=\s*optional\(list\(string\), \["\*"\]\)/);
  });

  it('passes the delivery settings and SMS limits, and refuses settings that would override them', () => {
    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    for (const name of ['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'UNKNOWN_OUTCOME_RESENDS', 'CIRCUIT_BREAKER_THRESHOLD', 'CIRCUIT_BREAKER_COOLDOWN_MS', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR']) {
      assert.match(locals['delivery_settings']!, new RegExp(`\\b${name}\\s*=`), name);
    }
    assert.match(locals['delivery_settings']!, /UNKNOWN_OUTCOME_RESENDS\s*=\s*var\.delivery\.unknown_outcome_resends\b/);
    // Optional, and bounded to the relay's own range (0-3) before anything is planned.
    assert.match(config.variable['delivery']![0]!['type'] as string, /unknown_outcome_resends\s*=\s*optional\(number\)/);
    const deliveryRule = String((config.variable['delivery']![0]!['validation'] as Block[])[0]!['condition']);
    assert.ok(deliveryRule.includes('[var.delivery.unknown_outcome_resends, 0, 3]'), deliveryRule);
    assert.match(locals['environment']!, /local\.delivery_settings/);
    const fn = one(config, 'aws_lambda_function', 'this');
    const preconditions = ((fn['lifecycle'] as Block[])[0]!['precondition'] as Block[]).map((p) => String(p['condition']));
    const reserved = preconditions.find((c) => c.includes('setintersection(keys(var.settings)'))!;
    for (const name of ['MAX_ATTEMPTS', 'UNKNOWN_OUTCOME_RESENDS', 'SMS_MAX_PER_NUMBER_PER_HOUR', 'IDEMPOTENCY_TABLE']) assert.ok(reserved.includes(`"${name}"`), name);
    // One attempt must fit in the timeout.
    assert.ok(preconditions.some((c) => c.includes('var.delivery.attempt_timeout_ms + 1000 <= var.timeout * 1000')));
    assert.ok(preconditions.some((c) => c.includes('!(var.idempotency && var.idempotency_table_name != null)')));
  });

  it('uses an existing idempotency table when named, and grants item access on it', () => {
    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    assert.match(locals['idempotency_table_arn']!, /:dynamodb:\$\{local\.region\}:\$\{local\.account_id\}:table\/\$\{var\.idempotency_table_name\}/);
    const dynamic = (config.data['aws_iam_policy_document']!['function']![0]!['dynamic'] as { statement: { for_each: string; content: Block[] }[] }).statement;
    const records = dynamic.find((d) => d.content[0]!['sid'] === 'IdempotencyRecords')!;
    assert.equal(records.for_each, '${local.create_idempotency_table || var.idempotency_table_name != null ? [1] : []}');
    assert.deepEqual(records.content[0]!['resources'], ['${local.idempotency_table_arn}']);
  });

  it('alarms on failed deliveries per configured channel with exactly the dimensions the relay writes, and on lost events', () => {
    const alarm = one(config, 'aws_cloudwatch_metric_alarm', 'delivery_failed');
    assert.equal(alarm['for_each'], '${toset(local.channels)}');
    for (const channel of ['email', 'sms'] as const) {
      const rollup = failedDeliveryRollup(channel);
      assert.equal(alarm['namespace'], rollup.namespace);
      assert.equal(alarm['metric_name'], rollup.metricName);
      const dimensions = Object.fromEntries(Object.entries(alarm['dimensions'] as Record<string, string>).map(([k, v]) => [k, v === '${each.key}' ? channel : v]));
      assert.deepEqual(dimensions, rollup.dimensions);
    }
    assert.equal(Object.assign({}, ...config.locals)['channels'], '${concat(var.email == null ? [] : ["email"], var.sms == null ? [] : ["sms"])}');
    const functionAlarms = one(config, 'aws_cloudwatch_metric_alarm', 'function');
    assert.equal(functionAlarms['for_each'], '${local.function_alarms}');
    assert.equal(functionAlarms['metric_name'], '${each.value.metric}');
    const alarms = Object.assign({}, ...config.locals)['function_alarms'] as Record<string, { metric: string }>;
    assert.deepEqual(Object.values(alarms).map((a) => a.metric).sort(), ['AsyncEventsDropped', 'DestinationDeliveryFailures', 'Errors']);
  });

  it('creates the idempotency table when asked or for the SMS counters, with its key, TTL and point-in-time recovery', () => {
    const table = one(config, 'aws_dynamodb_table', 'idempotency');
    assert.equal(table['count'], '${local.create_idempotency_table ? 1 : 0}');
    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    assert.equal(locals['create_idempotency_table'], '${var.idempotency || (var.sms != null && var.idempotency_table_name == null)}');
    assert.equal(table['hash_key'], 'id');
    assert.equal(table['billing_mode'], 'PAY_PER_REQUEST');
    assert.deepEqual(table['ttl'], [{ attribute_name: 'expiration', enabled: true }]);
    assert.deepEqual(table['point_in_time_recovery'], [{ enabled: true }]);
  });

  it('outputs what a pool needs, including the attach command line', () => {
    for (const name of ['function_arn', 'key_arn', 'log_group_name', 'dead_letter_queue_url', 'attach_command']) assert.ok(config.output[name], name);
    assert.equal(config.output['attach_command']![0]!['value'],
      'npx --no-install cognito-relay attach --user-pool-id ${var.user_pool_id} --function ${aws_lambda_function.this.arn} --kms-key ${local.key_arn}');
  });
});

describe('Terraform examples', async () => {
  const moduleConfig = await load(MODULE_DIR);
  const required = Object.entries(moduleConfig.variable).filter(([, [v]]) => !('default' in v!)).map(([name]) => name);

  for (const example of ['new-pool', 'existing-pool']) {
    const dir = join(ROOT, 'examples', example);
    const config = await load(dir);

    it(`${example}: calls the module with declared inputs, every required one given, and resolvable references`, async () => {
      const relay = config.module['relay']![0]!;
      assert.equal(relay['source'], '../../modules/cognito-relay');
      const inputs = Object.keys(relay).filter((key) => key !== 'source');
      assert.deepEqual(inputs.filter((name) => !(name in moduleConfig.variable)), []);
      assert.deepEqual(required.filter((name) => !inputs.includes(name)), []);
      assert.deepEqual(unresolved(config, await parsedTrees(dir)), []);
      for (const expression of expressions(config)) {
        for (const [, output] of expression.matchAll(/module\.relay\.([a-z_]+)/g)) assert.ok(moduleConfig.output[output!], `module output ${output}`);
      }
    });

    it(`${example}: uses no null_resource, terraform_data or provisioner workaround`, async () => {
      assert.deepEqual(Object.keys(config.resource).filter((type) => type === 'null_resource' || type === 'terraform_data'), []);
      const hasProvisioner = (node: unknown): boolean =>
        Array.isArray(node) ? node.some(hasProvisioner)
        : node && typeof node === 'object' ? Object.entries(node).some(([key, value]) => key === 'provisioner' || hasProvisioner(value))
        : false;
      assert.equal(hasProvisioner(await parsedTrees(dir)), false);
    });
  }

  it('new-pool: wires both senders with the native lambda_config block, LambdaVersion V1_0 and the key ARN', async () => {
    const config = await load(join(ROOT, 'examples/new-pool'));
    const pool = one(config, 'aws_cognito_user_pool', 'users');
    assert.deepEqual(pool['lambda_config'], [{
      kms_key_id: '${module.relay.key_arn}',
      custom_email_sender: [{ lambda_arn: '${module.relay.function_arn}', lambda_version: 'V1_0' }],
      custom_sms_sender: [{ lambda_arn: '${module.relay.function_arn}', lambda_version: 'V1_0' }],
    }]);
    assert.equal(config.module['relay']![0]!['user_pool_id'], '${aws_cognito_user_pool.users.id}');
    assert.deepEqual(pool['sms_configuration'], [{ external_id: 'cognito-relay-example-sms', sns_caller_arn: '${aws_iam_role.cognito_sms.arn}' }]);
  });

  it('existing-pool: leaves the pool alone and outputs the attach command', async () => {
    const config = await load(join(ROOT, 'examples/existing-pool'));
    assert.equal(config.resource['aws_cognito_user_pool'], undefined);
    assert.equal(config.output['attach_command']![0]!['value'], '${module.relay.attach_command}');
  });
});

const PROVIDER_SCHEMAS = (JSON.parse(readFileSync(new URL('./fixtures/aws-provider-schema.json', import.meta.url), 'utf8')) as { schemas: ProviderSchema[] }).schemas;
/** Terraform's own arguments and blocks, valid on every resource and data source. */
const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);

/**
 * Every argument and block of every resource and data source in the parsed files that the
 * provider's schema does not have, written in the wrong form (a block as `name = {…}`, an
 * argument as a block), repeated though single, or required and missing. Literal values are
 * checked against the argument's type; expressions (`${…}`) are left to Terraform.
 */
function providerSchemaProblems(schema: ProviderSchema, trees: unknown[]): string[] {
  const problems: string[] = [];
  const isExpression = (value: unknown) => typeof value === 'string' && value.includes('${');
  const literalFits = (type: string, value: unknown): boolean => {
    if (isExpression(value) || type === 'any') return true;
    if (type.startsWith('list(') || type.startsWith('set(')) return Array.isArray(value) && value.every((item) => literalFits(type.slice(type.indexOf('(') + 1, -1), item));
    if (type.startsWith('map(')) return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
    if (type === 'number') return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
    if (type === 'bool') return typeof value === 'boolean' || value === 'true' || value === 'false';
    return ['string', 'number', 'boolean'].includes(typeof value); // Terraform converts primitives to string
  };
  const checkBlock = (path: string, body: Record<string, unknown>, shape: BlockSchema, topLevel: boolean) => {
    const present = new Set<string>();
    for (const [key, value] of Object.entries(body)) {
      if (topLevel && META_ARGUMENTS.has(key)) continue;
      if (key === 'dynamic') {
        for (const [name, generators] of Object.entries(value as Record<string, { content: Record<string, unknown>[] }[]>)) {
          const block = shape.blocks[name];
          if (!block) problems.push(`${path}: dynamic "${name}" is not a block of this type`);
          else for (const generator of generators) for (const content of generator.content) checkBlock(`${path}.${name}`, content, block, false);
          present.add(name);
        }
        continue;
      }
      present.add(key);
      const block = shape.blocks[key];
      const argument = shape.arguments[key];
      if (block) {
        if (!Array.isArray(value) || !value.every((item) => item && typeof item === 'object' && !Array.isArray(item))) {
          problems.push(`${path}.${key}: a block, written as an argument`);
          continue;
        }
        if (!block.list && value.length > 1) problems.push(`${path}.${key}: at most one block`);
        for (const item of value) checkBlock(`${path}.${key}`, item as Record<string, unknown>, block, false);
      } else if (argument) {
        if (Array.isArray(value) && value.length > 0 && value.every((item) => item && typeof item === 'object' && !Array.isArray(item)) && !argument.type.includes('any')) {
          problems.push(`${path}.${key}: an argument, written as a block`);
        } else if (!literalFits(argument.type, value)) problems.push(`${path}.${key}: ${JSON.stringify(value)} is not a ${argument.type}`);
      } else problems.push(`${path}.${key}: not an argument or block of this type`);
    }
    for (const [name, argument] of Object.entries(shape.arguments)) if (argument.required && !present.has(name)) problems.push(`${path}: required argument ${name} is missing`);
    for (const [name, block] of Object.entries(shape.blocks)) if (block.required && !present.has(name)) problems.push(`${path}: required block ${name} is missing`);
  };
  for (const tree of trees as Record<string, Record<string, Record<string, Record<string, unknown>[]>>>[]) {
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(tree[kind] ?? {})) {
        const typeSchema: TypeSchema | undefined = schema[kind][type];
        if (!typeSchema) {
          problems.push(`${kind} ${type}: not in hashicorp/aws`);
          continue;
        }
        for (const [name, bodies] of Object.entries(byName)) for (const body of bodies) checkBlock(`${kind === 'data' ? 'data.' : ''}${type}.${name}`, body, typeSchema, true);
      }
    }
  }
  // What expressions read: `aws_x.name[0].attr`, `data.aws_x.name.attr`.
  for (const expression of trees.flatMap(expressions)) {
    for (const [, data, type, attribute] of expression.matchAll(/\b(data\.)?(aws_[a-z0-9_]+)\.[a-z0-9_]+(?:\[[^\]]*\])?\.([a-z0-9_]+)/g)) {
      const typeSchema = schema[data ? 'data' : 'resource'][type!];
      if (typeSchema && !typeSchema.attributes.includes(attribute!)) problems.push(`${data ?? ''}${type}.*.${attribute}: ${type} has no attribute ${attribute}`);
    }
  }
  return [...new Set(problems)];
}

/** Whether `version` satisfies a constraint like ">= 5.31.0, < 7.0.0" (the operators used here). */
function satisfies(version: string, constraint: string): boolean {
  const parts = (v: string) => v.split('.').map(Number);
  const compare = (a: number[], b: number[]) => a.map((x, i) => x - (b[i] ?? 0)).find((d) => d !== 0) ?? 0;
  return constraint.split(',').every((clause) => {
    const [, op, target] = /^\s*(>=|<=|>|<|=|~>)?\s*([\d.]+)\s*$/.exec(clause)!;
    const c = compare(parts(version), parts(target!));
    return op === '>=' ? c >= 0 : op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c === 0;
  });
}

describe('Terraform against the AWS provider schema and the terraform binary', async () => {
  const dirs = [MODULE_DIR, join(ROOT, 'examples/new-pool'), join(ROOT, 'examples/existing-pool')];
  // The landing page module needs v6 (see its versions.tf): checked against the schemas it allows.
  const LANDING_DIR = join(ROOT, 'modules/landing-page');
  const trees = new Map<string, unknown[]>();
  for (const dir of [...dirs, LANDING_DIR]) trees.set(dir, await parsedTrees(dir));
  const constraintOf = (dir: string) => {
    const terraform = (trees.get(dir)! as Record<string, Block[]>[]).flatMap((tree) => tree['terraform'] ?? []);
    return ((terraform[0]!['required_providers'] as Block[])[0]!['aws'] as { version: string }).version;
  };

  it('is formatted as `terraform fmt -check -recursive` wants', () => {
    const run = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', ROOT], { encoding: 'utf8' });
    assert.equal(run.error, undefined, 'terraform must be on PATH');
    assert.equal(run.status, 0, run.stdout);
    // The same check fails on a file it would rewrite: the binary really checks.
    const scratch = mkdtempSync(join(tmpdir(), 'tf-fmt-'));
    try {
      writeFileSync(join(scratch, 'main.tf'), 'locals {\n  a = 1\n  bb = 2\n}\n');
      assert.equal(spawnSync('terraform', ['fmt', '-check', scratch], { encoding: 'utf8' }).status, 3);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('has the provider schema of v5 and v6 from the published packages, for every type the configurations use', () => {
    assert.deepEqual(PROVIDER_SCHEMAS.map((s) => s.source), SOURCES.map((s) => `${s.package}@${s.version}`));
    assert.deepEqual(PROVIDER_SCHEMAS.map((s) => s.provider.split(' ')[1]!.split('.')[0]), ['5', '6']);
    for (const schema of PROVIDER_SCHEMAS) {
      assert.match(schema.integrity, /^sha512-/);
      // Regenerate the fixture (see its script) when this fails after adding a type.
      assert.deepEqual({ resource: Object.keys(schema.resource).sort(), data: Object.keys(schema.data).sort() }, typesUsed());
    }
  });

  for (const schema of PROVIDER_SCHEMAS) {
    for (const dir of [...dirs, LANDING_DIR]) {
      if (dir === LANDING_DIR && !satisfies(schema.provider.split(' ')[1]!, constraintOf(dir))) continue;
      it(`${dir.slice(ROOT.length)}: every resource, data source, argument, block and attribute read exists in ${schema.provider}`, () => {
        assert.deepEqual(providerSchemaProblems(schema, trees.get(dir)!), []);
      });
    }
  }

  it('reports what the provider would refuse: unknown argument, misspelled block, missing required argument, block as argument', () => {
    const broken = structuredClone(trees.get(MODULE_DIR)!) as Record<string, Record<string, Record<string, Record<string, unknown>[]>>>[];
    const fnFile = broken.find((tree) => tree['resource']?.['aws_lambda_function'])!;
    const fn = fnFile['resource']!['aws_lambda_function']!['this']![0]!;
    fn['memory'] = 256;
    fn['enviroment'] = fn['environment'];
    fn['logging_config'] = { log_format: 'Text' };
    delete fn['role'];
    fnFile['resource']!['aws_lambda_functions'] = { x: [{}] };
    const problems = providerSchemaProblems(PROVIDER_SCHEMAS[1]!, broken).sort();
    assert.deepEqual(problems, [
      'aws_lambda_function.this.enviroment: not an argument or block of this type',
      'aws_lambda_function.this.logging_config: a block, written as an argument',
      'aws_lambda_function.this.memory: not an argument or block of this type',
      'aws_lambda_function.this: required argument role is missing',
      'resource aws_lambda_functions: not in hashicorp/aws',
    ]);
  });

  it('allows AWS provider v5 and v6, and reads the region neither as `name` nor `id` (deprecated in v6)', async () => {
    for (const dir of dirs) {
      const terraform = (trees.get(dir)! as Record<string, Block[]>[]).flatMap((tree) => tree['terraform'] ?? []);
      const constraint = ((terraform[0]!['required_providers'] as Block[])[0]!['aws'] as { version: string }).version;
      for (const schema of PROVIDER_SCHEMAS) assert.ok(satisfies(schema.provider.split(' ')[1]!, constraint), `${dir}: ${constraint} allows ${schema.provider}`);
      assert.ok(!satisfies('7.0.0', constraint), `${dir}: ${constraint} stops before v7, which nothing here was checked against`);
      // data.aws_region's `name` and `id` are deprecated in v6; the `region` replacing them is not in
      // v5 (the schema check above reports it against 5.100.0).
      assert.deepEqual(expressions(trees.get(dir)!).filter((e) => /data\.aws_region\.[a-z_]+\.(name|id)\b/.test(e)), [], dir);
    }
    const locals = Object.assign({}, ...(await load(MODULE_DIR)).locals) as Record<string, string>;
    assert.equal(locals['region'], '${split(".", data.aws_region.current.endpoint)[1]}');
  });

  it('modules/landing-page: allows v6 from the version checked, not v5 (no invoked_via_function_url) nor v7', () => {
    const constraint = constraintOf(LANDING_DIR);
    assert.ok(satisfies(PROVIDER_SCHEMAS[1]!.provider.split(' ')[1]!, constraint), constraint);
    assert.ok(!satisfies(PROVIDER_SCHEMAS[0]!.provider.split(' ')[1]!, constraint), constraint);
    assert.ok(!satisfies('7.0.0', constraint), constraint);
    assert.deepEqual(expressions(trees.get(LANDING_DIR)!).filter((e) => /data\.aws_region\.[a-z_]+\.(name|id|region)\b/.test(e)), []);
  });
});

describe('Terraform key policy and SMS defaults', async () => {
  const config = await load(MODULE_DIR);

  it('names exactly the administrators, Cognito and the relay role: no account-root kms:*', () => {
    const statements = policyDocument(config, 'key');
    assert.deepEqual(statements.map((s) => s['sid']), ['KeyAdministration', 'CognitoEncryptsCodes', 'RelayDecryptsCodes']);
    assert.deepEqual(statements.map((s) => s['principals']), [
      [{ type: 'AWS', identifiers: '${var.key_administrator_arns}' }],
      [{ type: 'Service', identifiers: ['cognito-idp.amazonaws.com'] }],
      [{ type: 'AWS', identifiers: ['${aws_iam_role.this.arn}'] }],
    ]);
    assert.ok(!JSON.stringify(statements).includes(':root') && !JSON.stringify(statements).includes('"kms:*"'));
    const admin = statements[0]!['actions'] as string[];
    const allows = (action: string) => admin.some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(action));
    for (const action of ['kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:ScheduleKeyDeletion']) assert.ok(allows(action), action);
    for (const action of ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']) assert.ok(!allows(action), action);
  });

  it('conditions Cognito on the account and the pool, and the relay role on the pool ID, when the pool is named for the key policy', () => {
    const [, cognito, relay] = policyDocument(config, 'key');
    assert.deepEqual(cognito!['actions'], ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:CreateGrant']);
    assert.deepEqual(cognito!['condition'], [
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${local.account_id}'] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: ['arn:${local.partition}:cognito-idp:${local.region}:${local.account_id}:userpool/%{if var.key_policy_user_pool_id == null}*%{else}${var.key_policy_user_pool_id}%{endif}'] },
    ]);
    assert.deepEqual(relay!['actions'], ['kms:Decrypt']);
    assert.deepEqual(relay!['condition'], [
      { test: 'StringLike', variable: 'kms:EncryptionContext:userpool-id', values: ['${var.key_policy_user_pool_id == null ? "${local.region}_*" : var.key_policy_user_pool_id}'] },
    ]);
  });

  it('requires key administrators for a new key; the existing-pool example names its pool for the key policy, the new-pool one cannot', async () => {
    const key = one(config, 'aws_kms_key', 'this');
    const [precondition] = (key['lifecycle'] as Block[])[0]!['precondition'] as Block[];
    assert.equal(precondition!['condition'], '${length(var.key_administrator_arns) > 0}');
    const example = (await load(join(ROOT, 'examples/new-pool'))).module['relay']![0]!;
    assert.equal(example['key_administrator_arns'], '${var.key_administrator_arns}');
    assert.equal(example['key_policy_user_pool_id'], undefined);
    const existing = (await load(join(ROOT, 'examples/existing-pool'))).module['relay']![0]!;
    assert.equal(existing['key_policy_user_pool_id'], '${var.user_pool_id}');
  });

  it('requires the SMS country allow-list and limits SMS to 5 per number and hour by default', () => {
    const sms = config.variable['sms']![0]!;
    assert.match(sms['type'] as string, /allowed_countries\s*=\s*list\(string\)/);
    assert.match(sms['type'] as string, /max_per_number_per_hour\s*=\s*optional\(number, 5\)/);
    const rules = (sms['validation'] as Block[]).map((v) => String(v['condition']));
    assert.ok(rules.some((r) => r.includes('length(var.sms.allowed_countries), 0) > 0')));
    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    assert.match(locals['delivery_settings']!, /SMS_ALLOWED_COUNTRIES\s*=\s*var\.sms == null \? null : join\(",", var\.sms\.allowed_countries\)/);
    assert.match(locals['delivery_settings']!, /SMS_MAX_PER_NUMBER_PER_HOUR\s*=\s*var\.sms == null \? null : var\.sms\.max_per_number_per_hour/);
  });

  it('lets the role decrypt secrets under customer-managed keys through Secrets Manager only', () => {
    const dynamic = (config.data['aws_iam_policy_document']!['function']![0]!['dynamic'] as { statement: { for_each: string; content: Block[] }[] }).statement;
    const secrets = dynamic.find((d) => d.content[0]!['sid'] === 'DecryptProviderSecrets')!;
    assert.equal(secrets.for_each, '${length(var.secrets_kms_key_arns) > 0 ? [1] : []}');
    assert.deepEqual(secrets.content[0]!['condition'], [{ test: 'StringEquals', variable: 'kms:ViaService', values: ['secretsmanager.${local.region}.amazonaws.com'] }]);
  });

  it("new-pool example: Cognito's SMS role trusts Cognito only with the external ID and for this account", async () => {
    const example = await load(join(ROOT, 'examples/new-pool'));
    const [trust] = policyDocument(example, 'cognito_sms_trust');
    assert.deepEqual(trust!['condition'], [
      { test: 'StringEquals', variable: 'sts:ExternalId', values: ['cognito-relay-example-sms'] },
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: ['${data.aws_caller_identity.current.account_id}'] },
    ]);
    assert.deepEqual((example.module['relay']![0]!['sms'] as Record<string, unknown>)['allowed_countries'], '${var.sms_allowed_countries}');
  });
});

/**
 * Dependency cycles Terraform would report ("Error: Cycle: …"): every reference is an edge, as in
 * Terraform's graph, whatever a conditional would pick (Terraform follows references, not values).
 * A module input is its own node (depending on what the caller passes), and so is each module
 * output, so a cycle through the module boundary is found the way Terraform finds it.
 */
function terraformCycles(rootTrees: unknown[], moduleTrees: unknown[], moduleName = 'relay'): string[][] {
  const edges = new Map<string, Set<string>>();
  const refsOf = (prefix: string, node: unknown): Set<string> => {
    const found = new Set<string>();
    for (const expression of expressions(node)) {
      for (const [token] of expression.matchAll(/\b(?:var|local|module|data)\.[a-z0-9_]+(?:\.[a-z0-9_]+)?|\baws_[a-z0-9_]+\.[a-z0-9_]+/g)) {
        const parts = token.split('.');
        if (parts[0] === 'module') found.add(`${parts[1]}:output.${parts[2]}`);
        else if (parts[0] === 'data') found.add(`${prefix}data.${parts[1]}.${parts[2]}`);
        else if (parts[0] === 'var' || parts[0] === 'local') found.add(`${prefix}${parts[0]}.${parts[1]}`);
        else found.add(`${prefix}${parts[0]}.${parts[1]}`);
      }
    }
    return found;
  };
  const add = (node: string, refs: Set<string>) => edges.set(node, new Set([...(edges.get(node) ?? []), ...refs]));
  const addTrees = (prefix: string, trees: unknown[]) => {
    for (const tree of trees as Record<string, unknown>[]) {
      for (const kind of ['resource', 'data'] as const) {
        for (const [type, byName] of Object.entries((tree[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
          for (const [name, body] of Object.entries(byName)) add(`${prefix}${kind === 'data' ? 'data.' : ''}${type}.${name}`, refsOf(prefix, body));
        }
      }
      for (const locals of (tree['locals'] ?? []) as Record<string, unknown>[]) for (const [name, value] of Object.entries(locals)) add(`${prefix}local.${name}`, refsOf(prefix, value));
      if (prefix) for (const [name, [body]] of Object.entries((tree['output'] ?? {}) as Record<string, [unknown]>)) add(`${prefix}output.${name}`, refsOf(prefix, body));
      for (const [name, [body]] of Object.entries((tree['module'] ?? {}) as Record<string, [Record<string, unknown>]>)) {
        for (const [input, value] of Object.entries(body)) if (input !== 'source') add(`${name}:var.${input}`, refsOf(prefix, value));
      }
    }
  };
  addTrees('', rootTrees);
  addTrees(`${moduleName}:`, moduleTrees);
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(node)), node]);
      return;
    }
    state.set(node, 'visiting');
    path.push(node);
    for (const next of edges.get(node) ?? []) visit(next);
    path.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) visit(node);
  return cycles;
}

describe('Terraform dependency graph', async () => {
  const moduleTrees = await parsedTrees(MODULE_DIR);

  for (const example of ['new-pool', 'existing-pool']) {
    it(`${example}: no cycle through the module (the pool takes the key and function; the module takes the pool ID)`, async () => {
      assert.deepEqual(terraformCycles(await parsedTrees(join(ROOT, 'examples', example)), moduleTrees), []);
    });
  }

  it('finds the cycle a key policy naming the new pool would make', async () => {
    const trees = (await parsedTrees(join(ROOT, 'examples/new-pool'))) as Record<string, Record<string, [Record<string, unknown>]>>[];
    const relay = trees.find((tree) => tree['module']?.['relay'])!['module']!['relay']![0]!;
    relay['key_policy_user_pool_id'] = '${aws_cognito_user_pool.users.id}';
    const cycles = terraformCycles(trees, moduleTrees);
    assert.ok(cycles.some((cycle) => cycle.includes('aws_cognito_user_pool.users') && cycle.includes('relay:aws_kms_key.this')), JSON.stringify(cycles));
  });
});
