/**
 * `cognito-relay replay`: re-drives failed Cognito events from the function's on-failure queue
 * (SQS) through the same pipeline as the Lambda handler, configured from the same environment.
 *
 * Lambda's on-failure destination wraps the original event in `requestPayload`; a plain
 * dead-letter queue holds the raw event. Both are accepted. A message is deleted only after a
 * provider accepted it (or the idempotency table shows it was already delivered); anything else
 * stays in the queue. The codes inside stay decryptable, but Cognito only accepts them for a
 * while (1 h for password resets, 24 h for sign-up), so events known to be older than that are
 * skipped unless `--include-expired`.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message as SqsMessage } from '@aws-sdk/client-sqs';
import { bootstrap, type Bootstrapped } from '../../../runtime/core/bootstrap.ts';
import type { CommandIo } from '../aws-clients.ts';
import { defineCliCommand, parseCommandLine, renderCommandUsage } from '../terminal.ts';
import { findTrigger, type TriggerName } from '../../../runtime/cognito/triggers.ts';
import { ConfigError } from '../../../runtime/errors.ts';
import { createLogger } from '../../../runtime/observability/logger.ts';
import { maskEmail, maskPhone } from '../../../runtime/observability/mask.ts';
import { noMetrics } from '../../../runtime/observability/metrics.ts';

export const describe = 'Re-drive failed events from the on-failure queue through the relay';

export const command = defineCliCommand({
  meta: { name: 'replay', description: describe },
  args: {
    'queue-url': { type: 'string', valueHint: 'url', description: "the SQS queue of the function's on-failure destination (or dead-letter queue)" },
    max: { type: 'string', default: '100', valueHint: 'n', description: 'replay at most n events' },
    'dry-run': { type: 'boolean', default: false, description: 'list the events and what would happen; send nothing, delete nothing' },
    'include-expired': { type: 'boolean', default: false, description: "also send events older than their code's validity" },
    region: { type: 'string', valueHint: 'region', description: "defaults to the queue URL's region, then AWS_REGION" },
  },
  usage: {
    synopsis: '--queue-url <url> [options]',
    footer: `Runs with the function's own settings (KMS_KEY_ARN, EMAIL_PROVIDER, …) from the environment,
and needs sqs:ReceiveMessage, sqs:DeleteMessage, kms:Decrypt on the pool's key.
Exit code 0 when every event was delivered (or skipped), 1 when some failed, 2 on bad usage.`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * How long Cognito accepts the code of each trigger (AWS's Cognito documentation). The longest value where a
 * range applies, so "expired" is certain. AdminCreateUser depends on the pool's
 * TemporaryPasswordValidityDays, ATO carries no code: never called expired.
 */
const CODE_VALIDITY_MS: Partial<Record<TriggerName, number>> = {
  SignUp: 24 * HOUR,
  ResendCode: 24 * HOUR,
  UpdateUserAttribute: 24 * HOUR,
  VerifyUserAttribute: 24 * HOUR,
  ForgotPassword: HOUR,
  Authentication: 15 * MINUTE,
};

/** A message is invisible to other readers while we work on it. */
const VISIBILITY_SECONDS = 120;

export function formatDuration(ms: number): string {
  if (ms < MINUTE) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 48) {
    const minutes = Math.floor((ms % HOUR) / MINUTE);
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  return `${Math.floor(hours / 24)} days`;
}

interface Unwrapped {
  event: Record<string, unknown>;
  /** When Lambda gave up on it (on-failure records only). */
  failedAt: number | undefined;
  lastError: string | undefined;
}

/** The Cognito event inside an SQS message body: an on-failure record or the raw event. */
export function unwrapFailedEvent(body: string): Unwrapped | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'the message body is not JSON';
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the message body is not a JSON object';
  const record = parsed as Record<string, unknown>;
  if ('requestPayload' in record) {
    const payload = record.requestPayload;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return 'requestPayload is not an event object';
    const failedAt = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
    const response = record.responsePayload as { errorMessage?: unknown } | null | undefined;
    return {
      event: payload as Record<string, unknown>,
      failedAt: Number.isNaN(failedAt) ? undefined : failedAt,
      lastError: typeof response?.errorMessage === 'string' ? response.errorMessage : undefined,
    };
  }
  return { event: record, failedAt: undefined, lastError: undefined };
}

function describeEvent(event: Record<string, unknown>): { trigger: string; recipient: string; name: TriggerName | undefined } {
  const trigger = typeof event.triggerSource === 'string' ? event.triggerSource.slice(0, 80) : '(no triggerSource)';
  const rule = findTrigger(trigger);
  const request = (event.request ?? {}) as { userAttributes?: Record<string, unknown> };
  const attributes = request.userAttributes ?? {};
  const sms = rule ? rule.channel === 'sms' : trigger.startsWith('CustomSMSSender_');
  const value = attributes[sms ? 'phone_number' : 'email'];
  const recipient = typeof value === 'string' ? (sms ? maskPhone(value) : maskEmail(value)) : '(recipient looked up)';
  return { trigger, recipient, name: rule?.name };
}

function regionOf(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return /^sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com/.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

function sqsClient(env: CommandIo['env'], region: string): SQSClient {
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return new SQSClient({ region, maxAttempts: 3, ...(credentials ? { credentials } : {}), ...(endpoint ? { endpoint } : {}) });
}

type Outcome = 'delivered' | 'duplicate' | 'failed' | 'skipped' | 'unreadable' | 'listed';

export async function run(args: string[], io: CommandIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values: parsed } = commandLine;
  const queueUrl = parsed['queue-url'];
  if (!queueUrl) {
    io.stderr.write(`--queue-url is required\n\n${USAGE}`);
    return 2;
  }
  const max = Number(parsed.max);
  if (!Number.isInteger(max) || max < 1 || max > 10_000) {
    io.stderr.write(`--max must be a whole number from 1 to 10000, got "${parsed.max}"\n`);
    return 2;
  }
  const region = parsed.region ?? regionOf(queueUrl) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) {
    io.stderr.write('no region: pass --region or set AWS_REGION\n');
    return 2;
  }
  const dryRun = parsed['dry-run'] ?? false;
  const includeExpired = parsed['include-expired'] ?? false;
  const out = (text: string) => io.stdout.write(`${text}\n`);

  let relay: Bootstrapped | undefined;
  if (!dryRun) {
    try {
      relay = await bootstrap(io.env, {
        // The report below is the output; the relay's JSON logs only when asked for.
        logger: createLogger({ level: io.env.LOG_LEVEL ?? 'SILENT' }),
        metrics: noMetrics,
      });
    } catch (error) {
      io.stderr.write(
        error instanceof ConfigError
          ? `${error.message}\nreplay runs with the function's own settings: export the same environment first.\n`
          : `could not start the relay: ${(error as Error).message}\n`,
      );
      return 1;
    }
  }

  const sqs = sqsClient(io.env, region);
  const counts: Record<Outcome, number> = { delivered: 0, duplicate: 0, failed: 0, skipped: 0, unreadable: 0, listed: 0 };
  const seen = new Set<string>();
  out(`${dryRun ? 'Listing' : 'Replaying'} failed events from ${queueUrl}${dryRun ? ' (dry run: nothing is sent or deleted)' : ''}`);

  try {
    let handled = 0;
    receiving: while (handled < max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - handled),
          // A dry run must not hide messages from a real run right after it.
          VisibilityTimeout: dryRun ? 0 : VISIBILITY_SECONDS,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        const id = message.MessageId ?? message.ReceiptHandle ?? '';
        // With a zero visibility timeout (dry run) the queue hands the same messages back.
        if (seen.has(id)) break receiving;
        seen.add(id);
        handled += 1;
        const outcome = await replayOne(message);
        counts[outcome] += 1;
        if (handled >= max) break;
      }
    }
  } catch (error) {
    io.stderr.write(`could not read ${queueUrl}: ${(error as Error).name}: ${(error as Error).message}\n`);
    sqs.destroy();
    await relay?.close();
    return 1;
  }

  const summary = (Object.entries(counts) as [Outcome, number][])
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  const total = seen.size;
  out(total === 0 ? 'The queue is empty: nothing to replay.' : `${total} event${total === 1 ? '' : 's'}: ${summary}.`);
  if (counts.failed + counts.unreadable > 0) out('Failed and unreadable events are left in the queue.');
  sqs.destroy();
  await relay?.close();
  return counts.failed + counts.unreadable > 0 ? 1 : 0;

  async function replayOne(message: SqsMessage): Promise<Outcome> {
    const unwrapped = unwrapFailedEvent(message.Body ?? '');
    if (typeof unwrapped === 'string') {
      out(`  ✗ message ${message.MessageId}: unreadable: ${unwrapped}; left in the queue`);
      return 'unreadable';
    }
    const { trigger, recipient, name } = describeEvent(unwrapped.event);
    const label = `${trigger} ${recipient}`;
    const sent = Number(message.Attributes?.SentTimestamp);
    // Both times are after the original invocation, so the code is at least this old.
    const since = Math.min(Number.isFinite(sent) ? sent : Infinity, unwrapped.failedAt ?? Infinity);
    const age = Number.isFinite(since) ? Date.now() - since : undefined;
    const validity = name ? CODE_VALIDITY_MS[name] : undefined;
    const expired = age !== undefined && validity !== undefined && age > validity;
    const ageNote =
      age === undefined
        ? ''
        : expired
          ? `at least ${formatDuration(age)} old, and ${name} codes are valid for ${formatDuration(validity as number)}: the user must ask for a new one`
          : `at least ${formatDuration(age)} old`;

    if (dryRun) {
      const lastError = unwrapped.lastError ? `; it failed with: ${unwrapped.lastError.slice(0, 300)}` : '';
      out(`  · ${label}: would ${expired && !includeExpired ? 'skip' : 'replay'}${ageNote ? ` (${ageNote})` : ''}${lastError}`);
      return 'listed';
    }
    if (expired && !includeExpired) {
      out(`  ! ${label}: skipped: ${ageNote}. Left in the queue; --include-expired sends it anyway`);
      return 'skipped';
    }
    let result;
    try {
      result = await (relay as Bootstrapped).relay.handle(unwrapped.event);
    } catch (error) {
      const note = ageNote ? ` (${ageNote})` : '';
      out(`  ✗ ${label}: failed: ${(error as Error).message}; left in the queue${note}`);
      return 'failed';
    }
    const deduplicated = (result as { deduplicated?: boolean }).deduplicated === true;
    const how = deduplicated
      ? `already delivered (via ${result.provider}), nothing sent`
      : `delivered via ${result.provider}${result.messageId ? ` (id ${result.messageId})` : ''}`;
    const note = expired ? ` — ${ageNote}` : '';
    try {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    } catch (error) {
      // Delivered all the same; with IDEMPOTENCY_TABLE a later replay only acknowledges it.
      out(`  ✗ ${label}: ${how}, but could not remove it from the queue: ${(error as Error).message}${note}`);
      return 'failed';
    }
    out(`  ✓ ${label}: ${how}; removed from the queue${note}`);
    return deduplicated ? 'duplicate' : 'delivered';
  }
}
