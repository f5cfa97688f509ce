/**
 * Everything the relay talks to, on this machine: the KMS stand-in with one key, an SMTP inbox,
 * an SMS inbox (Twilio's API) and a Cognito stand-in for AdminGetUser. Both the sandbox
 * (`npm start`) and `cognito-relay simulate` run on it; nothing leaves loopback in local mode.
 *
 * `relayEnv()` is the environment a deployed function would have, pointed at these servers. In
 * provider mode it keeps the user's own provider settings (their real SendGrid, Twilio…) and only
 * swaps KMS for the stand-in, so "send a test email" goes through the real provider.
 *
 * @example
 * const stack = await startLocalStack();
 * const { env } = stack.relayEnv({ mode: 'local', userEnv: process.env });
 * const code = await stack.encrypt('123456', 'eu-west-1_AbCdEf123');
 */
import { existsSync } from 'node:fs';
import { devNull, homedir } from 'node:os';
import { join } from 'node:path';
import { createDecryptor, type Decryptor } from '../../runtime/crypto/decrypt.ts';
import { createKmsDecryptClient, type KmsDecryptClient } from '../../runtime/crypto/kms-decrypt.ts';
import { startKmsStandIn, type KmsStandIn } from './kms-standin.ts';
import { encryptCognitoCode } from './cognito-encrypt.ts';
import type { Channel } from '../../runtime/cognito/triggers.ts';
import { startSmtpInbox, type SmtpInbox } from './smtp-inbox.ts';
import { startSmsInbox, type SmsInbox } from './sms-inbox.ts';
import { startCognitoUsers, type CognitoUsers } from './cognito-users.ts';

export type Env = Record<string, string | undefined>;
export type SandboxMode = 'local' | 'provider';

/** The sandbox's region: the KMS stand-in's key ARNs and the sample pool live here. */
export const SANDBOX_REGION = 'eu-west-1';
export const SANDBOX_EMAIL_FROM = 'no-reply@example.com';
export const SANDBOX_FUNCTION_NAME = 'cognito-relay-sandbox';

/** Relay settings that are not about a provider: honoured from the user's environment in both modes. */
const GENERAL_SETTINGS = ['APP_NAME', 'DEFAULT_LOCALE', 'LOG_LEVEL', 'EMAIL_FROM', 'EMAIL_FROM_NAME', 'EMAIL_REPLY_TO', 'PROVIDER_TEMPLATES'];
/** Settings a deployed function may have that cannot work in the sandbox (they need DynamoDB). */
const DROPPED_IN_SANDBOX = ['IDEMPOTENCY_TABLE', 'SMS_MAX_PER_NUMBER_PER_HOUR'];

export interface ChannelRoute {
  /** Provider name(s) as configured, e.g. `smtp` or `sendgrid,smtp`. */
  provider: string;
  /** True when messages land in the sandbox's own inbox. */
  local: boolean;
}

export interface RelayEnvironment {
  env: Env;
  channels: Record<Channel, ChannelRoute>;
  /** Things the user should know about the environment (settings dropped…). */
  notes: string[];
}

export interface LocalStack {
  kms: KmsStandIn;
  /** The stand-in key the codes are encrypted under (`KMS_KEY_ARN`). */
  keyArn: string;
  smtp: SmtpInbox;
  sms: SmsInbox;
  users: CognitoUsers;
  relayEnv(options: { mode: SandboxMode; userEnv: Env }): RelayEnvironment;
  /** Encrypts like Cognito: ESDK format v1, suite 0x0378, context `{ userpool-id }`. */
  encrypt(plaintext: string, userPoolId: string): Promise<string>;
  /** The relay's own decryptor, with a KMS client bound to the stand-in (for in-process relays). */
  decryptor(): Decryptor;
  close(): Promise<void>;
}

export interface LocalStackOptions {
  /** SMTP inbox port; 0 (default) picks a free one. */
  smtpPort?: number;
}

function configured(env: Env, channel: Channel): string | undefined {
  const prefix = channel === 'email' ? 'EMAIL' : 'SMS';
  return env[`${prefix}_PROVIDERS`]?.trim() || env[`${prefix}_PROVIDER`]?.trim() || undefined;
}

/** Dummy keys: the stand-ins only check that requests were signed, never by whom. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'AKIASANDBOXEXAMPLE', secretAccessKey: 'sandbox-secret-not-used' };

/**
 * `encryptCognitoCode` signs its KMS calls with this process's default AWS credentials. When the
 * user has none at all (no keys, no profile, no ~/.aws files), give the process dummy keys, so
 * encrypting against the stand-in does not wait for the SDK's instance-metadata lookups and
 * fail. Any identity the user has is left alone: signing a loopback request with it is harmless.
 */
export function ensureSigningCredentials(env: NodeJS.ProcessEnv = process.env): void {
  const hasIdentity =
    Boolean(env.AWS_ACCESS_KEY_ID) ||
    Boolean(env.AWS_PROFILE) ||
    Boolean(env.AWS_WEB_IDENTITY_TOKEN_FILE) ||
    Boolean(env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) ||
    existsSync(env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials')) ||
    existsSync(env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'));
  if (hasIdentity) return;
  env.AWS_ACCESS_KEY_ID = SANDBOX_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = SANDBOX_CREDENTIALS.secretAccessKey;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started: { close(): Promise<void> }[] = [];
  const clients: KmsDecryptClient[] = [];
  try {
    const kms = await startKmsStandIn({ region: SANDBOX_REGION });
    started.push(kms);
    const keyArn = kms.createKey();
    const smtp = await startSmtpInbox({ port: options.smtpPort ?? 0 });
    started.push(smtp);
    const sms = await startSmsInbox();
    started.push(sms);
    const users = await startCognitoUsers();
    started.push(users);
    ensureSigningCredentials();

    const localEmail: Env = { EMAIL_PROVIDERS: '', EMAIL_PROVIDER: 'smtp', SMTP_URL: smtp.url };
    const localSms: Env = {
      SMS_PROVIDERS: '',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: sms.accountSid,
      TWILIO_AUTH_TOKEN: sms.authToken,
      TWILIO_FROM: sms.from,
      TWILIO_MESSAGING_SERVICE_SID: '',
      TWILIO_BASE_URL: sms.url,
    };

    return {
      kms,
      keyArn,
      smtp,
      sms,
      users,
      relayEnv({ mode, userEnv }) {
        const notes: string[] = [];
        const keep = (names: string[]) => Object.fromEntries(names.filter((n) => userEnv[n] !== undefined).map((n) => [n, userEnv[n]]));
        const hasAwsKeys = Boolean(userEnv.AWS_ACCESS_KEY_ID && userEnv.AWS_SECRET_ACCESS_KEY);
        // Provider mode starts from the user's whole environment, as their function's would be;
        // local mode from nothing, so no setting of theirs can reach a real service.
        const base: Env = mode === 'provider' ? { ...userEnv } : keep(GENERAL_SETTINGS);
        for (const name of DROPPED_IN_SANDBOX) {
          if (base[name] !== undefined) {
            notes.push(`${name} is not used in the sandbox (it needs the DynamoDB table of a deployment)`);
            delete base[name];
          }
        }
        const email: ChannelRoute =
          mode === 'provider' && configured(userEnv, 'email') ? { provider: configured(userEnv, 'email')!, local: false } : { provider: 'smtp', local: true };
        const smsRoute: ChannelRoute =
          mode === 'provider' && configured(userEnv, 'sms') ? { provider: configured(userEnv, 'sms')!, local: false } : { provider: 'twilio', local: true };
        const env: Env = {
          ...base,
          ...(email.local ? localEmail : {}),
          ...(smsRoute.local ? localSms : {}),
          // A real provider must send from the user's own verified sender: no default then.
          ...(email.local ? { EMAIL_FROM: base.EMAIL_FROM ?? SANDBOX_EMAIL_FROM } : {}),
          APP_NAME: base.APP_NAME ?? 'Example',
          // Lambda's own variables, so the bundle and Powertools behave as deployed.
          AWS_LAMBDA_FUNCTION_NAME: SANDBOX_FUNCTION_NAME,
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
          TZ: 'UTC',
          // Lambda runs nodejs22.x, where the SDK has nothing to warn about; a local Node 20 would
          // put that warning in the first invocation's logs.
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_REGION: mode === 'provider' ? (userEnv.AWS_REGION ?? userEnv.AWS_DEFAULT_REGION ?? SANDBOX_REGION) : SANDBOX_REGION,
          // The code is always encrypted under the stand-in's key, in both modes.
          KMS_KEY_ARN: keyArn,
          AWS_ENDPOINT_URL_KMS: kms.url,
          // The sandbox's users are fictional: AdminGetUser is answered here.
          AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: users.url,
        };
        if (mode === 'local' || !hasAwsKeys) {
          // Signed requests need credentials; the stand-ins only check that they were signed.
          env.AWS_ACCESS_KEY_ID = SANDBOX_CREDENTIALS.accessKeyId;
          env.AWS_SECRET_ACCESS_KEY = SANDBOX_CREDENTIALS.secretAccessKey;
          delete env.AWS_SESSION_TOKEN;
          if (mode === 'local') {
            // Nothing from ~/.aws (profiles, endpoint_url) may steer a local run to AWS.
            env.AWS_CONFIG_FILE = devNull;
            env.AWS_SHARED_CREDENTIALS_FILE = devNull;
          }
        }
        return { env, channels: { email, sms: smsRoute }, notes };
      },
      decryptor() {
        const kmsClient = createKmsDecryptClient({ region: SANDBOX_REGION, endpoint: kms.url, credentials: SANDBOX_CREDENTIALS, maxAttempts: 1 });
        clients.push(kmsClient);
        return createDecryptor({ keyArn, kms: kmsClient });
      },
      encrypt(plaintext, userPoolId) {
        return encryptCognitoCode({ plaintext, keyArn, userPoolId, kmsEndpoint: kms.url, region: SANDBOX_REGION, format: 'cognito' });
      },
      async close() {
        for (const client of clients) client.destroy();
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    throw error;
  }
}
