/**
 * `cognito-relay send-test`: one real message through the provider your environment configures
 * (the same settings the Lambda takes: EMAIL_PROVIDER, SENDGRID_API_KEY, SMS_PROVIDER…), before
 * anything is deployed. The code is encrypted with a local KMS stand-in, so no KMS key or AWS
 * account is needed for that part; everything else is the production pipeline.
 */
import { maskRecipient } from '../../../runtime/observability/mask.ts';
import type { LocalStack } from '../../local/local-stack.ts';
import { buildEvent, prepareScenario, resolveTrigger, type Scenario } from '../../local/scenario.ts';
import { defineCliCommand, parseCommandLine, renderCommandUsage, scenarioFlags, spinner, UsageError, type CliIo } from '../terminal.ts';

export const describe = 'Send one real message through the provider configured in your environment';

export const command = defineCliCommand({
  meta: { name: 'send-test', description: describe },
  args: {
    trigger: { type: 'positional', default: 'SignUp', description: 'SignUp (default), ForgotPassword, AdminCreateUser… or a full trigger source;\nthe SMS one when --to is a phone number' },
    to: { type: 'string', valueHint: 'recipient', description: 'an email address, or a phone number in E.164 (+447700900123) for SMS' },
    name: { type: 'string', valueHint: 'given name', description: 'given_name in the message (default Ada)' },
    locale: { type: 'string', valueHint: 'tag', description: "the user's locale, e.g. fr" },
    meta: { type: 'string', multiple: true, valueHint: 'key=value', description: 'a clientMetadata entry; repeat for more' },
    attr: { type: 'string', multiple: true, valueHint: 'key=value', description: 'another user attribute; repeat for more' },
    code: { type: 'string', valueHint: 'code', description: 'the code to send (default: random)' },
  },
  usage: {
    synopsis: '[trigger] --to <email or phone> [options]',
    details: `With the relay's production pipeline: the same settings as the Lambda (EMAIL_PROVIDER,
EMAIL_FROM, SENDGRID_API_KEY, SMTP_URL, SMS_PROVIDER, TWILIO_…). Only KMS is local: the code is
encrypted with a stand-in key.`,
    footer: `Example:
  EMAIL_PROVIDER=sendgrid SENDGRID_API_KEY=SG.… EMAIL_FROM=no-reply@example.com \\
    cognito-relay send-test --to you@example.com`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

const E164 = /^\+[1-9]\d{6,14}$/;

function configuredProvider(env: CliIo['env'], channel: 'email' | 'sms'): string | undefined {
  const prefix = channel === 'email' ? 'EMAIL' : 'SMS';
  return env[`${prefix}_PROVIDERS`]?.trim() || env[`${prefix}_PROVIDER`]?.trim() || undefined;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(args, command, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;

  let scenario: Scenario;
  let to: string;
  try {
    if (!values.to) throw new UsageError('Missing --to: the email address or phone number to send the test to');
    to = values.to.trim();
    const channel = to.startsWith('+') ? 'sms' : 'email';
    if (channel === 'sms' && !E164.test(to)) throw new UsageError(`--to "${to}" is not a phone number in E.164, like +447700900123`);
    if (channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to)) throw new UsageError(`--to "${to}" is not an email address or a phone number`);
    if (positionals.length > 1) throw new UsageError(`One trigger at a time, not ${positionals.join(' ')}`);
    const rule = resolveTrigger(positionals[0] ?? 'SignUp', channel);
    if (!rule) throw new UsageError(`Unknown ${channel} trigger "${positionals[0]}"`);
    if (rule.channel !== channel) throw new UsageError(`${rule.source} is sent by ${rule.channel}, but --to is ${channel === 'sms' ? 'a phone number' : 'an email address'}`);
    scenario = prepareScenario({
      triggerSource: rule.source,
      ...scenarioFlags(values, { [channel === 'email' ? 'email' : 'phone_number']: to }),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }

  const channel = scenario.rule.channel;
  const provider = configuredProvider(io.env, channel);
  if (!provider) {
    const setting = channel === 'email' ? 'EMAIL_PROVIDER (e.g. sendgrid, smtp, ses) with EMAIL_FROM' : 'SMS_PROVIDER (e.g. twilio, sns)';
    io.stderr.write(`✗ No ${channel} provider is configured: set ${setting} and the provider's settings, as for the Lambda.\n  To try the relay without one: cognito-relay simulate ${scenario.rule.name}${channel === 'sms' ? ' --sms' : ''}\n`);
    return 1;
  }

  const spin = spinner(io, 'Starting the local KMS stand-in');
  let stack: LocalStack | undefined;
  try {
    // Loaded only now: a usage error or --help should not wait for the Encryption SDK.
    const [{ startLocalStack }, { invokeInProcess }] = await Promise.all([import('../../local/local-stack.ts'), import('../../local/in-process.ts')]);
    stack = await startLocalStack();
    spin.update('Encrypting the code as Cognito does');
    const event = await buildEvent(scenario, (code) => stack!.encrypt(code, scenario.userPoolId));
    const { env, notes } = stack.relayEnv({ mode: 'provider', userEnv: io.env });
    for (const note of notes) io.stderr.write(`note: ${note}\n`);
    spin.update(`Sending through ${provider}`);
    const run = await invokeInProcess(env, event, { decryptor: stack.decryptor(), lookupUser: async () => scenario.profile });
    if (!run.ok) {
      spin.fail(`${scenario.rule.source} was not sent: ${run.error?.name}: ${run.error?.message}`);
      return 1;
    }
    spin.succeed(
      `Sent ${scenario.rule.source} to ${maskRecipient(channel, to)} through ${run.result?.provider}${run.result?.messageId ? ` (message id ${run.result.messageId})` : ''} in ${Math.round(run.durationMs)} ms`,
    );
    if (scenario.code) io.stdout.write(`${scenario.rule.codeIsTemporaryPassword ? 'Temporary password' : 'Code'} in the message: ${scenario.code}\n`);
    return 0;
  } catch (error) {
    spin.fail(`send-test failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await stack?.close();
  }
}
