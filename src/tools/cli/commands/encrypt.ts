/**
 * `cognito-relay encrypt`: makes `event.request.code` the way Cognito does (AWS Encryption SDK
 * message format v1, suite 0x0378, context `{ "userpool-id": … }`) under a KMS key the
 * caller names, for tests, replays and emulators that cannot produce real codes.
 */
import type { CognitoCodeFormat } from '../../local/cognito-encrypt.ts';
import { keyArnProblem, regionOfKeyArn } from '../../../runtime/crypto/key-arn.ts';
import { sampleEvent } from '../../local/sample-events.ts';
import { escapeLikeCognito, resolveTrigger } from '../../local/scenario.ts';
import { defineCliCommand, parseCommandLine, readAll, renderCommandUsage, spinner, UsageError, type CliIo } from '../terminal.ts';

export const describe = 'Encrypt a code exactly as Cognito does (for tests, replays and emulators)';

export const command = defineCliCommand({
  meta: { name: 'encrypt', description: describe },
  args: {
    'key-arn': { type: 'string', valueHint: 'arn', description: 'full ARN of the KMS key (a key id or alias is refused, as Cognito does)' },
    'pool-id': { type: 'string', valueHint: 'id', description: 'the user pool id bound in the encryption context, e.g. eu-west-1_AbCdEf123' },
    code: { type: 'string', valueHint: 'code', description: 'the plaintext code; read from stdin when not given (one trailing newline dropped)' },
    'endpoint-url': { type: 'string', valueHint: 'url', description: 'KMS endpoint, e.g. a local stand-in (default: AWS_ENDPOINT_URL_KMS, else AWS)' },
    region: { type: 'string', valueHint: 'region', description: "default: the key ARN's region" },
    format: { type: 'enum', options: ['cognito', 'v2'], default: 'cognito', valueHint: 'format', description: 'cognito (default) or v2: format v2, suite 0x0578, no context, as some emulators send' },
    event: {
      type: 'string',
      valueHint: 'trigger',
      description: 'print a whole Cognito event carrying the code (e.g. CustomEmailSender_SignUp);\nAdminCreateUser passwords get Cognito\'s &lt; &gt; escaping',
    },
  },
  usage: {
    synopsis: '--key-arn <arn> --pool-id <id> [--code <code>] [options]',
    details: `AWS Encryption SDK message format v1, algorithm suite 0x0378 (signed, not key
committing), one data key under your KMS key, encryption context {"userpool-id": "<pool id>"}.
Prints the base64 message, as Cognito puts it in event.request.code.`,
    footer: `Credentials: the AWS SDK's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…), with kms:Encrypt and
kms:GenerateDataKey on the key.

Examples:
  cognito-relay encrypt --key-arn arn:aws:kms:eu-west-1:111122223333:key/1234abcd-… \\
    --pool-id eu-west-1_AbCdEf123 --code 123456
  echo 123456 | cognito-relay encrypt --key-arn … --pool-id … --event CustomSMSSender_SignUp > event.json`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

const POOL_ID = /^[a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+$/;

export async function run(args: string[], io: CliIo): Promise<number> {
  const commandLine = parseCommandLine(args, command, io);
  if (typeof commandLine === 'number') return commandLine;
  const { values } = commandLine;

  let plaintext: string;
  let trigger: ReturnType<typeof resolveTrigger>;
  try {
    const keyArn = values['key-arn'];
    const poolId = values['pool-id'];
    if (!keyArn || !poolId) throw new UsageError(`Missing ${[keyArn ? '' : '--key-arn', poolId ? '' : '--pool-id'].filter(Boolean).join(' and ')}`);
    const problem = keyArnProblem(keyArn, '--key-arn');
    if (problem) throw new UsageError(problem);
    if (!POOL_ID.test(poolId)) throw new UsageError(`--pool-id "${poolId}" is not a user pool id like eu-west-1_AbCdEf123`);
    if (values.format !== 'cognito' && values.format !== 'v2') throw new UsageError(`--format must be cognito or v2, not "${values.format}"`);
    if (values.event !== undefined) {
      trigger = resolveTrigger(values.event);
      if (!trigger) throw new UsageError(`--event "${values.event}" is not a trigger source such as CustomEmailSender_SignUp`);
      if (!trigger.needsCode) throw new UsageError(`${trigger.source} carries no code (Cognito sends null)`);
    }
    if (values.code !== undefined) {
      plaintext = values.code;
    } else {
      const stdin = io.stdin ?? process.stdin;
      if (stdin.isTTY) throw new UsageError('Give the code with --code, or pipe it on stdin');
      plaintext = (await readAll(stdin)).replace(/\r?\n$/, '');
    }
    if (plaintext === '') throw new UsageError('The code is empty');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }

  const keyArn = values['key-arn']!;
  const userPoolId = values['pool-id']!;
  const kmsEndpoint = values['endpoint-url'] ?? io.env['AWS_ENDPOINT_URL_KMS'] ?? io.env['AWS_ENDPOINT_URL'];
  const spin = spinner(io, `Encrypting with ${keyArn}`);
  let code: string;
  try {
    // Loaded only now: a usage error or --help should not wait for the Encryption SDK.
    const { encryptCognitoCode } = await import('../../local/cognito-encrypt.ts');
    code = await encryptCognitoCode({
      plaintext: trigger?.codeIsTemporaryPassword ? escapeLikeCognito(plaintext) : plaintext,
      keyArn,
      userPoolId,
      kmsEndpoint,
      region: values.region ?? regionOfKeyArn(keyArn),
      format: values.format as CognitoCodeFormat,
    });
    spin.succeed();
  } catch (error) {
    const e = error as Error;
    spin.fail(`Could not encrypt: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}`);
    if (/credential/i.test(e.message)) io.stderr.write('  Set AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) allowed to use the key.\n');
    return 1;
  }

  if (trigger) {
    const event = sampleEvent({ triggerSource: trigger.source, code, userPoolId, region: userPoolId.split('_')[0] });
    io.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
  } else {
    io.stdout.write(`${code}\n`);
  }
  return 0;
}
