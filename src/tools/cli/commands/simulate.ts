/**
 * `cognito-relay simulate`: one Cognito trigger through the whole relay on this machine. The code
 * is encrypted the way Cognito encrypts it (KMS stand-in on loopback), the relay decrypts,
 * renders and delivers it through its real SMTP or Twilio provider to a local inbox, and the
 * message as received is printed. Nothing leaves the machine.
 */
import { maskRecipient } from '../../../runtime/observability/mask.ts';
import { DEFAULT_BUNDLE, bundleStatus } from '../../local/bundle.ts';
import type { MemoryLogLine } from '../../local/in-process.ts';
import type { LocalStack } from '../../local/local-stack.ts';
import { buildEvent, prepareScenario, resolveTrigger, type Scenario } from '../../local/scenario.ts';
import { emailView, type EmailView } from '../../local/views.ts';
import type { ReceivedSms } from '../../local/sms-inbox.ts';
import { defineCliCommand, parseCommandLine, renderCommandUsage, scenarioFlags, spinner, UsageError, type CliIo } from '../terminal.ts';

export const describe = 'Fire one Cognito trigger through the relay on this machine and print the delivered message';

export const command = defineCliCommand({
  meta: { name: 'simulate', description: describe },
  args: {
    trigger: {
      type: 'positional',
      required: false,
      description: `SignUp, ResendCode, ForgotPassword, UpdateUserAttribute, VerifyUserAttribute,
AdminCreateUser, Authentication, AccountTakeOverNotification, or a full
trigger source such as CustomSMSSender_SignUp`,
    },
    sms: { type: 'boolean', default: false, description: 'the SMS trigger of that name (CustomSMSSender_…)' },
    email: { type: 'string', valueHint: 'address', description: "the user's email (default ada@example.com)" },
    phone: { type: 'string', valueHint: 'number', description: "the user's phone number in E.164 (default +14155550123)" },
    name: { type: 'string', valueHint: 'given name', description: 'given_name (default Ada)' },
    locale: { type: 'string', valueHint: 'tag', description: "the user's locale attribute, e.g. fr" },
    username: { type: 'string', valueHint: 'name', description: 'event.userName (default ada)' },
    attr: { type: 'string', multiple: true, valueHint: 'key=value', description: 'another user attribute; repeat for more (e.g. --attr custom:plan=pro)' },
    meta: { type: 'string', multiple: true, valueHint: 'key=value', description: 'a clientMetadata entry; repeat for more (e.g. --meta locale=de)' },
    code: { type: 'string', valueHint: 'code', description: 'the code to send (default: random)' },
    bundle: { type: 'boolean', default: false, description: 'run the built bundle (dist/lambda/index.mjs) in its own process, as\ndeployed, instead of the sources' },
    html: { type: 'boolean', default: false, description: 'print the HTML part instead of the text part' },
    json: { type: 'boolean', default: false, description: 'print the event, the outcome, the message and the log lines as JSON' },
  },
  usage: {
    details: `The code is encrypted exactly as Cognito does (local KMS stand-in), then the relay decrypts,
renders your templates and delivers through its SMTP or Twilio provider to a local inbox.
Nothing leaves this machine.`,
    footer: `Examples:
  cognito-relay simulate SignUp
  cognito-relay simulate ForgotPassword --sms --phone +447700900123 --meta locale=fr
  cognito-relay simulate AdminCreateUser --code 'Tq7<mZ>2!' --html > welcome.html`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

interface Outcome {
  ok: boolean;
  error?: { name: string; message: string; code?: string };
  provider?: string;
  locale?: string;
  durationMs: number;
  logs: unknown[];
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(args, command, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;

  let scenario: Scenario;
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Which trigger? e.g. cognito-relay simulate SignUp' : `One trigger at a time, not ${positionals.join(' ')}`);
    const rule = resolveTrigger(positionals[0]!, values.sms ? 'sms' : 'email');
    if (!rule) throw new UsageError(`Unknown trigger "${positionals[0]}"${values.sms ? ' for SMS (AccountTakeOverNotification is email only)' : ''}`);
    scenario = prepareScenario({
      triggerSource: rule.source,
      userName: values.username,
      ...scenarioFlags(values, { email: values.email ?? 'ada@example.com', phone_number: values.phone ?? '+14155550123' }),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }

  if (values.bundle && !bundleStatus().exists) {
    io.stderr.write(`✗ ${DEFAULT_BUNDLE} does not exist: run npm run build first\n`);
    return 1;
  }

  const spin = spinner(io, 'Starting the KMS stand-in and the local inboxes');
  let stack: LocalStack | undefined;
  try {
    // Loaded only now: a usage error or --help should not wait for the Encryption SDK.
    const [{ startLocalStack }, { invokeInProcess }, { startLambdaProcess }] = await Promise.all([
      import('../../local/local-stack.ts'),
      import('../../local/in-process.ts'),
      import('../../local/lambda-process.ts'),
    ]);
    stack = await startLocalStack();
    stack.users.put(scenario.userPoolId, scenario.userName, scenario.profile);
    spin.update('Encrypting the code as Cognito does');
    const event = await buildEvent(scenario, (code) => stack!.encrypt(code, scenario.userPoolId));
    const before = { email: stack.smtp.messages.length, sms: stack.sms.messages.length };
    const { env } = stack.relayEnv({ mode: 'local', userEnv: io.env });

    let outcome: Outcome;
    if (values.bundle) {
      spin.update('Running the bundle in its own process');
      const lambda = startLambdaProcess({ bundle: DEFAULT_BUNDLE, env });
      try {
        const result = await lambda.invoke(event);
        const delivered = result.logs.find((line) => line.json?.['message'] === 'delivered')?.json;
        outcome = {
          ok: result.ok,
          ...(result.error ? { error: result.error } : {}),
          ...(delivered ? { provider: String(delivered['provider']), locale: String(delivered['locale']) } : {}),
          durationMs: result.durationMs,
          logs: result.logs.map((line) => line.json ?? line.text),
        };
      } finally {
        await lambda.close();
      }
    } else {
      spin.update('Running the relay');
      const result = await invokeInProcess(env, event, {
        decryptor: stack.decryptor(),
        // The event names the user; the stand-in knows them (AccountTakeOverNotification looks them up).
        lookupUser: async () => scenario.profile,
      });
      outcome = {
        ok: result.ok,
        ...(result.error ? { error: result.error } : {}),
        ...(result.result ? { provider: result.result.provider, locale: result.result.locale } : {}),
        durationMs: result.durationMs,
        logs: result.logs satisfies MemoryLogLine[],
      };
    }
    spin.succeed();

    const email = stack.smtp.messages.slice(before.email)[0];
    const sms = stack.sms.messages.slice(before.sms)[0];
    const message = email ? emailView(email) : sms;
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ event, code: scenario.code ?? null, outcome, message: message ?? null }, null, 2)}\n`);
      return outcome.ok ? 0 : 1;
    }
    if (!outcome.ok) {
      io.stderr.write(`✗ ${scenario.rule.source} failed: ${outcome.error?.name}: ${outcome.error?.message}\n`);
      return 1;
    }
    const to = scenario.rule.channel === 'email' ? scenario.profile.email : scenario.profile.phone_number;
    io.stderr.write(
      `✓ ${scenario.rule.source} delivered by ${outcome.provider} to ${to ? maskRecipient(scenario.rule.channel, to) : '?'} in ${Math.round(outcome.durationMs)} ms (locale ${outcome.locale})\n\n`,
    );
    io.stdout.write(email ? formatEmail(emailView(email), values.html) : sms ? formatSms(sms) : '(nothing arrived in the local inbox)\n');
    return 0;
  } catch (error) {
    spin.fail(`simulate failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await stack?.close();
  }
}

function formatEmail(email: EmailView, html: boolean): string {
  if (html) return `${email.html ?? ''}\n`;
  return [`From:    ${email.from}`, `To:      ${email.to}`, `Subject: ${email.subject}`, '', (email.text ?? '').trimEnd(), ''].join('\n');
}

function formatSms(sms: ReceivedSms): string {
  return [`From: ${sms.from}`, `To:   ${sms.to}`, `SMS:  ${sms.segments} segment${sms.segments === 1 ? '' : 's'} (${sms.encoding})`, '', sms.body, ''].join('\n');
}
