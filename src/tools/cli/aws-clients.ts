/**
 * What `attach`, `detach` and `doctor` share: the I/O contract with the CLI entry, AWS clients
 * built from the command's own environment (so tests can point them at loopback stand-ins), and
 * the progress / result lines every command prints.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';

export interface CommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
}

export interface AwsClients {
  cognito: CognitoIdentityProviderClient;
  lambda: LambdaClient;
  kms: KMSClient;
}

export interface ClientOptions {
  region: string;
  /** `--endpoint-url`: the Cognito endpoint (the other services use their own env variables). */
  cognitoEndpoint?: string | undefined;
}

/**
 * Builds the three clients. Endpoints follow the AWS SDK's own variables
 * (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`) but read from `io.env`, so a test can
 * run the command in-process against loopback servers without touching `process.env`.
 */
export function createClients(env: CommandIo['env'], options: ClientOptions): AwsClients {
  const credentials =
    env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']
      ? {
          accessKeyId: env['AWS_ACCESS_KEY_ID'],
          secretAccessKey: env['AWS_SECRET_ACCESS_KEY'],
          ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}),
        }
      : undefined; // the SDK's default chain (profiles, SSO, instance role…)
  const common = { region: options.region, ...(credentials ? { credentials } : {}), maxAttempts: 2 };
  const endpoint = (specific: string | undefined) => {
    const url = specific ?? env['AWS_ENDPOINT_URL'];
    return url ? { endpoint: url } : {};
  };
  return {
    cognito: new CognitoIdentityProviderClient({
      ...common,
      ...endpoint(options.cognitoEndpoint ?? env['AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER']),
    }),
    lambda: new LambdaClient({ ...common, ...endpoint(env['AWS_ENDPOINT_URL_LAMBDA']) }),
    kms: new KMSClient({ ...common, ...endpoint(env['AWS_ENDPOINT_URL_KMS']) }),
  };
}

export function destroyClients(clients: AwsClients): void {
  clients.cognito.destroy();
  clients.lambda.destroy();
  clients.kms.destroy();
}

/**
 * The region to talk to: `--region`, else the one a pool ID starts with (`eu-west-1_AbC…`), else
 * `AWS_REGION` / `AWS_DEFAULT_REGION`. When none is known it says so on stderr and returns undefined
 * (the command then exits 2).
 */
export function resolveRegion(flag: string | undefined, userPoolId: string, io: CommandIo): string | undefined {
  const region = flag ?? /^([a-z0-9-]+)_/.exec(userPoolId)?.[1] ?? io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'];
  if (!region) io.stderr.write('Cannot tell the region: pass --region or set AWS_REGION\n');
  return region;
}

/** `✓ step` / `✗ step` / `! step` lines, plus `→ step…` before a call that may take a moment. */
export class Progress {
  constructor(private readonly io: CommandIo) {}

  start(text: string): void {
    this.io.stdout.write(`→ ${text}…\n`);
  }
  ok(text: string): void {
    this.io.stdout.write(`  ✓ ${text}\n`);
  }
  warn(text: string): void {
    this.io.stdout.write(`  ! ${text}\n`);
  }
  note(text: string): void {
    this.io.stdout.write(`    ${text}\n`);
  }
  /** A refusal or failure: goes to stderr so scripts see it even when stdout is discarded. */
  fail(text: string): void {
    this.io.stderr.write(`  ✗ ${text}\n`);
  }
  /** More about a failure (how to fix it), next to it on stderr. */
  failDetail(text: string): void {
    this.io.stderr.write(`    ${text}\n`);
  }
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }
}

/** A readable one-liner for an AWS SDK error: `Name: message`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The options every command that reads or changes a user pool takes (attach, detach, doctor). */
export const POOL_ARGS = {
  'user-pool-id': { type: 'string', valueHint: 'id', description: 'the pool, e.g. eu-west-1_AbCdEf123' },
  region: { type: 'string', valueHint: 'region', description: "defaults to the pool ID's region" },
  'endpoint-url': { type: 'string', valueHint: 'url', description: 'Cognito endpoint (tests, emulators)' },
} as const;
