/**
 * `cognito-relay detach`: remove the relay's custom senders from a pool — and `KMSKeyID` once no
 * custom sender is left — keeping every other trigger and setting (same care as `attach`).
 * Cognito then goes back to sending its own messages.
 */
import { UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { currentState, detachSenders, diffPaths, formatDiff, PoolConfigError, requestState, toUpdateInput } from '../pool-config.ts';
import { createClients, describeError, destroyClients, POOL_ARGS, Progress, resolveRegion, type CommandIo } from '../aws-clients.ts';
import { defineCliCommand, parseCommandLine, renderCommandUsage } from '../terminal.ts';
import { confirm, readPool } from './attach.ts';

export const describe = "Remove the relay's custom senders from a user pool, keeping every other trigger";

export const command = defineCliCommand({
  meta: { name: 'detach', description: describe },
  args: {
    ...POOL_ARGS,
    function: { type: 'string', valueHint: 'arn', description: 'only remove senders that point at this function (recommended)' },
    'email-only': { type: 'boolean', default: false, description: 'remove CustomEmailSender only' },
    'sms-only': { type: 'boolean', default: false, description: 'remove CustomSMSSender only' },
    'dry-run': { type: 'boolean', default: false, description: 'show exactly what would change, change nothing' },
  },
  usage: { synopsis: '--user-pool-id <id> [options]' },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

/** Exit codes: 0 done (or nothing to do), 1 failed, 2 bad usage. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values: parsed } = commandLine;
  const userPoolId = parsed['user-pool-id'];
  if (!userPoolId) {
    io.stderr.write(`Missing --user-pool-id\n\n${USAGE}`);
    return 2;
  }
  if (parsed['email-only'] && parsed['sms-only']) {
    io.stderr.write(`--email-only and --sms-only exclude each other (give neither for both)\n\n${USAGE}`);
    return 2;
  }
  const region = resolveRegion(parsed.region, userPoolId, io);
  if (!region) return 2;

  const progress = new Progress(io);
  progress.line(`cognito-relay detach: pool ${userPoolId}${parsed['dry-run'] ? ' (dry run)' : ''}`);
  const clients = createClients(io.env, { region, cognitoEndpoint: parsed['endpoint-url'] });
  try {
    const pool = await readPool(clients, progress, userPoolId);
    if (!pool) return 1;

    progress.start('Building the update (every other setting is sent back unchanged)');
    let result: ReturnType<typeof detachSenders>;
    try {
      const { input, notes } = toUpdateInput(pool);
      result = detachSenders(input, {
        functionArn: parsed.function,
        email: !parsed['sms-only'],
        sms: !parsed['email-only'],
      });
      progress.ok(result.removed.length ? `removing ${result.removed.join(', ')}` : 'none of the chosen senders is set');
      for (const skipped of result.skipped) progress.warn(`left in place: ${skipped}`);
      for (const note of notes) progress.note(`note: ${note}`);
    } catch (error) {
      progress.fail(describeError(error instanceof PoolConfigError ? error.message : error));
      return 1;
    }

    if (result.removed.length === 0) {
      progress.line('Nothing to detach: the pool was not changed.');
      return 0;
    }
    progress.line('Changes (before → after):');
    progress.line(formatDiff(diffPaths(currentState(pool), requestState(result.input))).trimEnd());
    if (parsed['dry-run']) {
      progress.line('Dry run: nothing was changed. Run again without --dry-run to apply.');
      return 0;
    }

    progress.start('Updating the user pool (UpdateUserPool)');
    try {
      await clients.cognito.send(new UpdateUserPoolCommand(result.input));
      progress.ok('updated');
    } catch (error) {
      progress.fail(`UpdateUserPool failed, the pool is unchanged: ${describeError(error)}`);
      return 1;
    }
    const confirmed = await confirm(clients, progress, result.input);
    if (confirmed && !result.input.LambdaConfig?.CustomEmailSender && !result.input.LambdaConfig?.CustomSMSSender) {
      progress.line(
        'Cognito sends its own messages again. The function, its invoke permission and the key are ' +
          'still there: remove them with the tool that created them when you no longer need them.',
      );
    }
    return confirmed ? 0 : 1;
  } finally {
    destroyClients(clients);
  }
}
