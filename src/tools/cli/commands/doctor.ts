/**
 * `cognito-relay doctor`: checks a pool end to end — trigger wiring, LambdaVersion, the key, the
 * invoke permission and the function's configuration — and says in plain words what is wrong and
 * how to fix it. Read-only: it never changes anything.
 */
import type { LambdaConfigType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, GetFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { addPermissionCommand, isKmsKeyArn, isLambdaArn, PoolConfigError, toUpdateInput } from '../pool-config.ts';
import {
  createClients,
  describeError,
  destroyClients,
  errorName,
  Progress,
  resolveRegion,
  type AwsClients,
  type CommandIo,
  POOL_ARGS,
} from '../aws-clients.ts';
import { defineCliCommand, parseCommandLine, renderCommandUsage } from '../terminal.ts';
import { readInvokePermission, readPool } from './attach.ts';

export const describe = "Check a user pool's custom sender wiring end to end and explain what to fix";

export const command = defineCliCommand({
  meta: { name: 'doctor', description: describe },
  args: {
    ...POOL_ARGS,
  },
  usage: {
    synopsis: '--user-pool-id <id> [options]',
    footer: `Needs read access: cognito-idp:DescribeUserPool, kms:DescribeKey, lambda:GetPolicy,
lambda:GetFunctionConfiguration, lambda:GetFunctionEventInvokeConfig.
Exit code 0 when everything checked is right, 1 when something is wrong.`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

/** The runtime and handler the build contract produces (dist/lambda.zip). */
export const EXPECTED_RUNTIME = 'nodejs22.x';
export const EXPECTED_HANDLER = 'index.handler';

type Verdict = 'ok' | 'fail' | 'warn';

class Report {
  failures = 0;
  constructor(private readonly progress: Progress) {}

  check(verdict: Verdict, text: string, fix?: string): void {
    if (verdict === 'ok') this.progress.ok(text);
    else if (verdict === 'warn') this.progress.warn(text);
    else {
      this.failures += 1;
      // Failures go to stdout here (not stderr) so the report reads in order.
      this.progress.line(`  ✗ ${text}`);
    }
    if (fix) this.progress.note(`fix: ${fix}`);
  }
}

export async function run(args: string[], io: CommandIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values: parsed } = commandLine;
  const userPoolId = parsed['user-pool-id'];
  if (!userPoolId) {
    io.stderr.write(`Missing --user-pool-id\n\n${USAGE}`);
    return 2;
  }
  const region = resolveRegion(parsed.region, userPoolId, io);
  if (!region) return 2;

  const progress = new Progress(io);
  progress.line(`cognito-relay doctor: pool ${userPoolId}`);
  const clients = createClients(io.env, { region, cognitoEndpoint: parsed['endpoint-url'] });
  try {
    const pool = await readPool(clients, progress, userPoolId);
    if (!pool) return 1;
    const report = new Report(progress);
    const functions = checkWiring(report, progress, pool);
    checkCarriable(report, progress, pool);
    const keyArn = await checkKey(clients, report, progress, pool.LambdaConfig ?? {});
    for (const functionArn of functions) {
      await checkFunction(clients, report, progress, functionArn, pool.Arn ?? '', keyArn);
    }
    progress.line(
      report.failures === 0
        ? 'All checks passed. Sign up a test user and watch the function\'s CloudWatch log group.'
        : `${report.failures} problem(s) found: see the ✗ lines above.`,
    );
    return report.failures === 0 ? 0 : 1;
  } finally {
    destroyClients(clients);
  }
}

/**
 * Whether attach and detach could send every setting of this pool back (UpdateUserPool resets
 * what it is not given): a field this version does not know makes them refuse, so say it here.
 */
function checkCarriable(report: Report, progress: Progress, pool: UserPoolType): void {
  progress.start('Checking that attach/detach can keep every pool setting');
  try {
    const { input } = toUpdateInput(pool);
    report.check('ok', `every setting UpdateUserPool takes would be sent back unchanged (${Object.keys(input).length - 1} set on this pool)`);
  } catch (error) {
    const message = error instanceof PoolConfigError ? error.message : describeError(error);
    report.check('fail', `attach and detach would refuse this pool: ${message}`,
      'set the custom senders with your infrastructure code (CloudFormation, CDK, Terraform) until cognito-relay knows the field');
  }
}

/** Which custom senders are set, with LambdaVersion V1_0. Returns the distinct function ARNs. */
function checkWiring(report: Report, progress: Progress, pool: UserPoolType): string[] {
  progress.start('Checking the triggers');
  const config = pool.LambdaConfig ?? {};
  const poolId = pool.Id ?? '<pool-id>';
  const functions = new Set<string>();
  const senders = [
    ['CustomEmailSender', 'Email', config.CustomEmailSender, '--email-only'],
    ['CustomSMSSender', 'SMS', config.CustomSMSSender, '--sms-only'],
  ] as const;
  for (const [key, channel, sender, only] of senders) {
    if (!sender) {
      progress.note(`${channel}: no ${key} set, so Cognito sends ${channel.toLowerCase()} messages itself.`);
      continue;
    }
    if (!sender.LambdaArn || !isLambdaArn(sender.LambdaArn)) {
      report.check('fail', `${channel}: ${key} has no valid function ARN (${sender.LambdaArn ?? 'none'}).`,
        `cognito-relay attach --user-pool-id ${poolId} --function <arn> --kms-key <arn> ${only}`);
      continue;
    }
    functions.add(sender.LambdaArn);
    if (sender.LambdaVersion !== 'V1_0') {
      report.check('fail', `${channel}: ${key} has LambdaVersion ${sender.LambdaVersion ?? '(unset)'}; Cognito only accepts V1_0.`,
        `cognito-relay attach --user-pool-id ${poolId} --function ${sender.LambdaArn} --kms-key <arn> ${only}`);
    } else {
      report.check('ok', `${channel} messages go to ${sender.LambdaArn} (LambdaVersion V1_0)`);
    }
  }
  if (!config.CustomEmailSender && !config.CustomSMSSender) {
    report.check('fail', 'Neither custom sender is set: the relay is not wired to this pool.',
      `cognito-relay attach --user-pool-id ${poolId} --function <function-arn> --kms-key <key-arn>`);
  }
  return [...functions];
}

/** KMSKeyID is a key ARN, and the key is enabled, symmetric, for encrypt/decrypt. */
async function checkKey(clients: AwsClients, report: Report, progress: Progress, config: LambdaConfigType): Promise<string | undefined> {
  progress.start('Checking the KMS key');
  const keyArn = config.KMSKeyID;
  if (!keyArn) {
    if (config.CustomEmailSender || config.CustomSMSSender) {
      report.check('fail', 'The pool has a custom sender but no KMSKeyID: Cognito cannot encrypt the codes.',
        'cognito-relay attach … --kms-key <key-arn>');
    } else {
      progress.note('no KMSKeyID set (none is needed without a custom sender).');
    }
    return undefined;
  }
  if (!isKmsKeyArn(keyArn)) {
    report.check('fail', `KMSKeyID "${keyArn}" is not a key ARN; Cognito needs arn:aws:kms:<region>:<account>:key/<id>.`,
      'cognito-relay attach … --kms-key <the key ARN>');
    return keyArn;
  }
  report.check('ok', `KMSKeyID is a key ARN: ${keyArn}`);
  try {
    const { KeyMetadata: key } = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    if (key?.KeyState !== 'Enabled') {
      report.check('fail', `The key is ${key?.KeyState ?? 'in an unknown state'}, not Enabled: codes cannot be encrypted or decrypted.`,
        key?.KeyState === 'PendingDeletion'
          ? `aws kms cancel-key-deletion --key-id ${keyArn} && aws kms enable-key --key-id ${keyArn}`
          : `aws kms enable-key --key-id ${keyArn}`);
    } else {
      report.check('ok', 'The key is enabled');
    }
    if (key?.KeySpec !== 'SYMMETRIC_DEFAULT' || key.KeyUsage !== 'ENCRYPT_DECRYPT') {
      report.check('fail', `The key is ${key?.KeySpec ?? '?'} / ${key?.KeyUsage ?? '?'}; Cognito needs a symmetric key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).`,
        'create a symmetric encryption key and attach again with it');
    } else {
      report.check('ok', 'The key is symmetric, for encrypt and decrypt');
    }
  } catch (error) {
    report.check('warn', `Could not read the key (kms:DescribeKey): ${describeError(error)}. Its state was not checked.`);
  }
  return keyArn;
}

/** The invoke permission, runtime, handler, KMS_KEY_ARN and the async failure destination. */
async function checkFunction(
  clients: AwsClients,
  report: Report,
  progress: Progress,
  functionArn: string,
  poolArn: string,
  keyArn: string | undefined,
): Promise<void> {
  progress.start(`Checking the function ${functionArn}`);
  const permission = await readInvokePermission(clients, functionArn, poolArn);
  if ('error' in permission) {
    report.check('warn', `Could not read the function's resource policy (lambda:GetPolicy): ${permission.error}`);
  } else if (permission.status === 'missing') {
    report.check('fail', 'Cognito is not allowed to invoke the function for this pool: no message is sent.',
      addPermissionCommand(functionArn, poolArn));
  } else if (permission.status === 'unscoped') {
    report.check('warn', `Statement ${permission.statementId} lets cognito-idp invoke the function without SourceArn: any pool in any account could. Replace it with:`,
      addPermissionCommand(functionArn, poolArn));
  } else if (!permission.sourceAccount) {
    report.check('warn', `Statement ${permission.statementId} limits Cognito to this pool but has no SourceAccount condition (AWS recommends both). Consider replacing it with:`,
      addPermissionCommand(functionArn, poolArn));
  } else {
    report.check('ok', `Cognito may invoke it for this pool only (statement ${permission.statementId})`);
  }

  try {
    const fn = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionArn }));
    if (fn.Runtime === EXPECTED_RUNTIME) report.check('ok', `Runtime ${fn.Runtime}`);
    else if (fn.Runtime?.startsWith('nodejs')) report.check('warn', `Runtime ${fn.Runtime}; the relay is built and tested for ${EXPECTED_RUNTIME}.`);
    else report.check('fail', `Runtime ${fn.Runtime ?? '(container image or unknown)'}; the relay needs ${EXPECTED_RUNTIME}.`,
      `aws lambda update-function-configuration --function-name ${functionArn} --runtime ${EXPECTED_RUNTIME}`);

    if (fn.Handler === EXPECTED_HANDLER) report.check('ok', `Handler ${fn.Handler}`);
    else report.check('fail', `Handler is ${fn.Handler ?? '(unset)'}; the relay's zip exports ${EXPECTED_HANDLER}.`,
      `aws lambda update-function-configuration --function-name ${functionArn} --handler ${EXPECTED_HANDLER}`);

    if (fn.State && fn.State !== 'Active') {
      report.check('fail', `The function is ${fn.State}${fn.StateReason ? ` (${fn.StateReason})` : ''}.`);
    }

    const configuredKey = fn.Environment?.Variables?.['KMS_KEY_ARN'];
    if (!configuredKey) {
      report.check('fail', 'The function has no KMS_KEY_ARN environment variable: it cannot decrypt any code.',
        keyArn ? `set KMS_KEY_ARN=${keyArn} on the function` : 'set KMS_KEY_ARN to the pool\'s key ARN');
    } else if (keyArn && configuredKey !== keyArn) {
      report.check('fail', `KMS_KEY_ARN is ${configuredKey} but the pool encrypts with ${keyArn}: decryption will fail ("unencryptedDataKey has not been set").`,
        `set KMS_KEY_ARN=${keyArn} on the function`);
    } else {
      report.check('ok', 'KMS_KEY_ARN matches the pool\'s key');
    }
  } catch (error) {
    report.check(errorName(error) === 'ResourceNotFoundException' ? 'fail' : 'warn',
      `Could not read the function's configuration: ${describeError(error)}`);
  }

  try {
    const invokeConfig = await clients.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: functionArn }));
    if (invokeConfig.DestinationConfig?.OnFailure?.Destination) {
      report.check('ok', `Failed deliveries go to ${invokeConfig.DestinationConfig.OnFailure.Destination}`);
    } else {
      report.check('warn', 'No on-failure destination: a message that fails after Lambda\'s retries is lost without a trace but the logs.');
    }
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      report.check('warn', 'No async invoke settings (retries, on-failure destination): a failed message is lost without a trace but the logs.',
        `aws lambda put-function-event-invoke-config --function-name ${functionArn} --destination-config '{"OnFailure":{"Destination":"<sqs-queue-arn>"}}'`);
    } else {
      report.check('warn', `Could not read the async invoke settings: ${describeError(error)}`);
    }
  }
}
