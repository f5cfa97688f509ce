/**
 * `cognito-relay attach`: point an existing user pool's CustomEmailSender / CustomSMSSender at the
 * relay without touching anything else on the pool (that takes care:
 * UpdateUserPool resets whatever it is not given).
 *
 *   DescribeUserPool → keep what UpdateUserPool accepts → merge LambdaConfig → UpdateUserPool
 *   → DescribeUserPool again to confirm nothing else moved.
 */
import {
  DescribeUserPoolCommand,
  UpdateUserPoolCommand,
  type UpdateUserPoolRequest,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetPolicyCommand } from '@aws-sdk/client-lambda';
import {
  addPermissionCommand,
  attachSenders,
  currentState,
  diffPaths,
  findInvokePermission,
  formatDiff,
  isKmsKeyArn,
  isLambdaArn,
  OWN_TRIGGER_KEYS,
  PoolConfigError,
  requestState,
  noteUnmodelledFields,
  toUpdateInput,
  unmodelledPaths,
  type InvokePermission,
} from '../pool-config.ts';
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

export const describe = 'Wire the relay into an existing user pool, keeping every other setting and trigger';

export const command = defineCliCommand({
  meta: { name: 'attach', description: describe },
  args: {
    ...POOL_ARGS,
    function: { type: 'string', valueHint: 'arn', description: "the relay's Lambda function ARN" },
    'kms-key': { type: 'string', valueHint: 'arn', description: 'the symmetric KMS key ARN Cognito encrypts codes with' },
    'email-only': { type: 'boolean', default: false, description: 'set CustomEmailSender only' },
    'sms-only': { type: 'boolean', default: false, description: 'set CustomSMSSender only' },
    'dry-run': { type: 'boolean', default: false, description: 'show exactly what would change, change nothing' },
    'skip-permission-check': { type: 'boolean', default: false, description: "do not read the function's resource policy (lambda:GetPolicy)" },
  },
  usage: { synopsis: '--user-pool-id <id> --function <lambda-arn> --kms-key <key-arn> [options]' },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

/** Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 bad usage. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values: parsed } = commandLine;
  const userPoolId = parsed['user-pool-id'];
  const functionArn = parsed.function;
  const keyArn = parsed['kms-key'];
  const missing = [
    userPoolId ? undefined : '--user-pool-id',
    functionArn ? undefined : '--function',
    keyArn ? undefined : '--kms-key',
  ].filter(Boolean);
  if (!userPoolId || !functionArn || !keyArn) {
    io.stderr.write(`Missing ${missing.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  if (parsed['email-only'] && parsed['sms-only']) {
    io.stderr.write(`--email-only and --sms-only exclude each other (give neither for both)\n\n${USAGE}`);
    return 2;
  }
  const senders = { email: !parsed['sms-only'], sms: !parsed['email-only'] };
  const region = resolveRegion(parsed.region, userPoolId, io);
  if (!region) return 2;

  const progress = new Progress(io);
  progress.line(`cognito-relay attach: pool ${userPoolId}${parsed['dry-run'] ? ' (dry run)' : ''}`);

  progress.start('Checking the function and key ARNs');
  if (!isKmsKeyArn(keyArn) || !isLambdaArn(functionArn)) {
    const error = attachError(() => attachSenders({ UserPoolId: userPoolId }, { functionArn, keyArn, ...senders }));
    progress.fail(error ?? 'invalid ARN');
    return 1;
  }
  progress.ok('both are full ARNs');

  const clients = createClients(io.env, { region, cognitoEndpoint: parsed['endpoint-url'] });
  try {
    return await attach(clients, progress, {
      userPoolId,
      functionArn,
      keyArn,
      senders,
      dryRun: parsed['dry-run'],
      skipPermissionCheck: parsed['skip-permission-check'],
    });
  } finally {
    destroyClients(clients);
  }
}

interface AttachRequest {
  userPoolId: string;
  functionArn: string;
  keyArn: string;
  senders: { email: boolean; sms: boolean };
  dryRun: boolean;
  skipPermissionCheck: boolean;
}

async function attach(clients: AwsClients, progress: Progress, request: AttachRequest): Promise<number> {
  const pool = await readPool(clients, progress, request.userPoolId);
  if (!pool) return 1;
  const poolArn = pool.Arn ?? '';

  if (request.skipPermissionCheck) {
    progress.start('Checking that Cognito may invoke the function');
    progress.warn('skipped (--skip-permission-check): make sure it is there, or no message is ever sent');
    progress.note(addPermissionCommand(request.functionArn, poolArn));
  } else if (!(await checkPermission(clients, progress, request.functionArn, poolArn))) {
    return 1;
  }

  progress.start('Building the update (every other setting is sent back unchanged)');
  let before: Record<string, unknown>;
  let after: ReturnType<typeof attachSenders>;
  try {
    const { input, notes } = toUpdateInput(pool);
    before = currentState(pool);
    after = attachSenders(input, { functionArn: request.functionArn, keyArn: request.keyArn, ...request.senders });
    progress.ok(`${Object.keys(requestState(after)).length} settings will be sent back`);
    for (const note of notes) progress.note(`note: ${note}`);
  } catch (error) {
    progress.fail(describeError(error instanceof PoolConfigError ? error.message : error));
    return 1;
  }

  const changes = diffPaths(before, requestState(after));
  progress.line('Changes (before → after):');
  progress.line(formatDiff(changes).trimEnd());

  if (request.dryRun) {
    progress.line('Dry run: nothing was changed. Run again without --dry-run to apply.');
    return 0;
  }
  // Dropping UnusedAccountValidityDays alone changes nothing real: no update for that.
  if (!changes.some((change) => change.path.startsWith('LambdaConfig.'))) {
    progress.line('Already attached: nothing to do.');
    return 0;
  }

  progress.start('Updating the user pool (UpdateUserPool)');
  try {
    await clients.cognito.send(new UpdateUserPoolCommand(after));
    progress.ok('updated');
  } catch (error) {
    progress.fail(`UpdateUserPool failed, the pool is unchanged: ${describeError(error)}`);
    return 1;
  }

  return (await confirm(clients, progress, after)) ? 0 : 1;
}

/**
 * DescribeUserPool with a progress line; undefined (after printing why) when it fails. The raw
 * JSON answer is read too, before the SDK parses it, to note what the service returned that this
 * SDK does not know (a setting newer than the SDK): `toUpdateInput(pool)` then refuses to build a
 * request that would reset it.
 */
export async function readPool(clients: AwsClients, progress: Progress, userPoolId: string): Promise<UserPoolType | undefined> {
  progress.start('Reading the user pool (DescribeUserPool)');
  try {
    const command = new DescribeUserPoolCommand({ UserPoolId: userPoolId });
    let unmodelled: string[] = [];
    // Placed after the deserializer, so it runs first on the way back and sees the bytes; the body
    // is handed on as a buffer, which the SDK's body collector accepts like a stream.
    type Middleware = Parameters<typeof command.middlewareStack.addRelativeTo>[0];
    type Next = (args: unknown) => Promise<{ response: unknown }>;
    command.middlewareStack.addRelativeTo(
      ((next: Next) => async (args: unknown) => {
        const result = await next(args);
        const response = result.response as { body?: AsyncIterable<Uint8Array> | Uint8Array; statusCode?: number };
        if (response.statusCode === 200 && response.body && Symbol.asyncIterator in response.body) {
          const chunks: Uint8Array[] = [];
          for await (const chunk of response.body) chunks.push(chunk);
          const body = Buffer.concat(chunks);
          response.body = new Uint8Array(body);
          try {
            unmodelled = unmodelledPaths((JSON.parse(body.toString('utf8')) as { UserPool?: unknown }).UserPool);
          } catch {
            // Not JSON: the SDK's own parser reports it.
          }
        }
        return result;
      }) as unknown as Middleware,
      { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'cognitoRelayRawDescribe' },
    );
    const { UserPool: pool } = await clients.cognito.send(command);
    if (!pool?.Arn) throw new Error('the answer carried no pool');
    noteUnmodelledFields(pool, unmodelled);
    const triggers = Object.keys(pool.LambdaConfig ?? {}).filter((key) => key !== 'KMSKeyID');
    progress.ok(`"${pool.Name ?? userPoolId}", ${triggers.length} trigger(s) set${triggers.length ? `: ${triggers.join(', ')}` : ''}`);
    return pool;
  } catch (error) {
    progress.fail(`cannot read pool ${userPoolId}: ${describeError(error)}`);
    return undefined;
  }
}

/**
 * Reads the function's resource policy. Refuses (false) when Cognito may not invoke it for this
 * pool, printing the exact command that adds the permission with SourceArn and SourceAccount.
 */
async function checkPermission(clients: AwsClients, progress: Progress, functionArn: string, poolArn: string): Promise<boolean> {
  progress.start('Checking that Cognito may invoke the function (lambda:GetPolicy)');
  const permission = await readInvokePermission(clients, functionArn, poolArn);
  if ('error' in permission) {
    progress.fail(`could not read the function's resource policy: ${permission.error}`);
    progress.failDetail('Give this identity lambda:GetPolicy on the function, or pass --skip-permission-check if you are sure.');
    return false;
  }
  if (permission.status === 'missing') {
    progress.fail('Cognito is not allowed to invoke the function for this pool, so no message would ever be sent.');
    progress.failDetail('Add the permission (limited to this pool and account), then run attach again:');
    progress.failDetail(addPermissionCommand(functionArn, poolArn));
    return false;
  }
  if (permission.status === 'unscoped') {
    progress.warn(
      `statement ${permission.statementId} lets cognito-idp invoke the function without a SourceArn ` +
        'condition: any user pool, in any account, could invoke it. Replace it with:',
    );
    progress.note(addPermissionCommand(functionArn, poolArn));
    return true;
  }
  if (!permission.sourceAccount) {
    progress.warn(
      `statement ${permission.statementId} is limited to this pool but has no SourceAccount condition; ` +
        'AWS recommends both against the confused-deputy problem. Consider replacing it with:',
    );
    progress.note(addPermissionCommand(functionArn, poolArn));
    return true;
  }
  progress.ok(`statement ${permission.statementId} allows it, limited to this pool and account`);
  return true;
}

/** GetPolicy → what the policy says; a function without any policy counts as "missing". */
export async function readInvokePermission(
  clients: AwsClients,
  functionArn: string,
  poolArn: string,
): Promise<InvokePermission | { error: string }> {
  try {
    const { Policy } = await clients.lambda.send(new GetPolicyCommand({ FunctionName: functionArn }));
    return findInvokePermission(Policy, poolArn);
  } catch (error) {
    // Lambda answers ResourceNotFoundException both for "no policy yet" and "no such function";
    // either way the permission is not there and the add-permission command is the next step.
    if (errorName(error) === 'ResourceNotFoundException') return { status: 'missing' };
    return { error: describeError(error) };
  }
}

/**
 * Reads the pool back and compares it with what was sent: our triggers must be as asked, and every
 * other trigger and setting as it was. Catches a service that ignored or reset part of the request.
 */
export async function confirm(
  clients: AwsClients,
  progress: Progress,
  sent: UpdateUserPoolRequest,
): Promise<boolean> {
  progress.start('Reading the pool back to confirm');
  let after: UserPoolType | undefined;
  try {
    after = (await clients.cognito.send(new DescribeUserPoolCommand({ UserPoolId: sent.UserPoolId }))).UserPool;
  } catch (error) {
    progress.fail(`could not read the pool back: ${describeError(error)}`);
    return false;
  }
  const comparable = (state: Record<string, unknown>) => {
    const adminCreateUser = state['AdminCreateUserConfig'] as Record<string, unknown> | undefined;
    if (!adminCreateUser) return state;
    // Deliberately not sent (pool-config explains); a service may still report its derived value.
    const { UnusedAccountValidityDays: _unused, ...rest } = adminCreateUser;
    return { ...state, AdminCreateUserConfig: rest };
  };
  const drift = diffPaths(comparable(requestState(sent)), comparable(currentState(after ?? {})));
  if (drift.length > 0) {
    progress.fail('the pool does not match what was sent (sent → now):');
    progress.line(formatDiff(drift).trimEnd());
    return false;
  }
  const lambdaConfig = after?.LambdaConfig ?? {};
  const set = OWN_TRIGGER_KEYS.filter((key) => lambdaConfig[key] !== undefined);
  progress.ok(`every other setting and trigger is as it was; set now: ${set.length ? set.join(', ') : 'none of ours'}`);
  return true;
}

function attachError(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return describeError(error instanceof PoolConfigError ? error.message : error);
  }
}
