/**
 * The Terraform module and its examples, parsed with @cdktf/hcl2json (HashiCorp's HCL parser as
 * WebAssembly). `terraform validate` cannot run here (no Terraform binary is installable), so
 * these tests check what a parse can: the resources and their arguments, that references resolve,
 * least-privilege IAM, and the native lambda_config wiring in the examples.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import hcl2json from '@cdktf/hcl2json';
import { failedDeliveryRollup } from './emf.ts';

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
      'kms:Decrypt', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue',
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
    for (const name of ['MAX_ATTEMPTS', 'ATTEMPT_TIMEOUT_MS', 'CIRCUIT_BREAKER_THRESHOLD', 'CIRCUIT_BREAKER_COOLDOWN_MS', 'SMS_ALLOWED_COUNTRIES', 'SMS_MAX_PER_NUMBER_PER_HOUR']) {
      assert.match(locals['delivery_settings']!, new RegExp(`\\b${name}\\s*=`), name);
    }
    assert.match(locals['environment']!, /local\.delivery_settings/);
    const fn = one(config, 'aws_lambda_function', 'this');
    const preconditions = ((fn['lifecycle'] as Block[])[0]!['precondition'] as Block[]).map((p) => String(p['condition']));
    const reserved = preconditions.find((c) => c.includes('setintersection(keys(var.settings)'))!;
    for (const name of ['MAX_ATTEMPTS', 'SMS_MAX_PER_NUMBER_PER_HOUR', 'IDEMPOTENCY_TABLE']) assert.ok(reserved.includes(`"${name}"`), name);
    // The SMS limit counts in the idempotency table; one attempt must fit in the timeout.
    assert.ok(preconditions.some((c) => c.includes('var.sms.max_per_number_per_hour') && c.includes('var.idempotency || var.idempotency_table_name != null')));
    assert.ok(preconditions.some((c) => c.includes('var.delivery.attempt_timeout_ms + 1000 <= var.timeout * 1000')));
    assert.ok(preconditions.some((c) => c.includes('!(var.idempotency && var.idempotency_table_name != null)')));
  });

  it('uses an existing idempotency table when named, and grants item access on it', () => {
    const locals = Object.assign({}, ...config.locals) as Record<string, string>;
    assert.match(locals['idempotency_table_arn']!, /:dynamodb:\$\{local\.region\}:\$\{local\.account_id\}:table\/\$\{var\.idempotency_table_name\}/);
    const dynamic = (config.data['aws_iam_policy_document']!['function']![0]!['dynamic'] as { statement: { for_each: string; content: Block[] }[] }).statement;
    const records = dynamic.find((d) => d.content[0]!['sid'] === 'IdempotencyRecords')!;
    assert.equal(records.for_each, '${var.idempotency || var.idempotency_table_name != null ? [1] : []}');
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

  it('creates the idempotency table only when asked, with its key, TTL and point-in-time recovery', () => {
    const table = one(config, 'aws_dynamodb_table', 'idempotency');
    assert.equal(table['count'], '${var.idempotency ? 1 : 0}');
    assert.equal(table['hash_key'], 'id');
    assert.equal(table['billing_mode'], 'PAY_PER_REQUEST');
    assert.deepEqual(table['ttl'], [{ attribute_name: 'expiration', enabled: true }]);
    assert.deepEqual(table['point_in_time_recovery'], [{ enabled: true }]);
  });

  it('outputs what a pool needs, including the attach command line', () => {
    for (const name of ['function_arn', 'key_arn', 'log_group_name', 'dead_letter_queue_url', 'attach_command']) assert.ok(config.output[name], name);
    assert.equal(config.output['attach_command']![0]!['value'],
      'npx cognito-relay attach --user-pool-id ${var.user_pool_id} --function ${aws_lambda_function.this.arn} --kms-key ${local.key_arn}');
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
