/**
 * Everything an end-to-end test needs, on loopback: the KMS stand-in with a key, an SMTP inbox,
 * fake SendGrid and Twilio servers, and a relay bootstrapped from an environment that points at
 * them — the same code path as the Lambda handler.
 */
import { startKmsStandIn, type KmsStandIn } from '../../src/tools/local/kms-standin.ts';
import { encryptCognitoCode, type CognitoCodeFormat } from '../../src/tools/local/cognito-encrypt.ts';
import { startSmtpInbox, type SmtpInbox } from '../../src/tools/local/smtp-inbox.ts';
import { bootstrap, type BootstrapOptions, type Bootstrapped } from '../../src/runtime/core/bootstrap.ts';
import { sampleEvent, SAMPLE_POOL_ID, type SampleEventInput } from '../../src/tools/local/sample-events.ts';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';
import type { RelayLogger } from '../../src/runtime/observability/logger.ts';

/** Dummy credentials: the SDK signs requests for real, the stand-in only checks they are signed. */
export function useTestAwsEnv(): void {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
  process.env.AWS_REGION = 'eu-west-1';
  delete process.env.AWS_PROFILE;
}

export interface CapturedLog {
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

/** A logger that keeps lines in memory, so tests can assert what is (and is not) logged. */
export function captureLogger(): RelayLogger & { lines: CapturedLog[]; text(): string } {
  const lines: CapturedLog[] = [];
  let keys: Record<string, unknown> = {};
  const log = (level: string) => (message: string, attributes: Record<string, unknown> = {}) => {
    lines.push({ level, message, attributes: { ...keys, ...attributes } });
  };
  return {
    lines,
    text: () => JSON.stringify(lines),
    info: log('INFO') as never,
    warn: log('WARN') as never,
    error: log('ERROR') as never,
    debug: log('DEBUG') as never,
    appendKeys(more: Record<string, unknown>) {
      keys = { ...keys, ...more };
    },
    removeKeys(names: string[]) {
      keys = Object.fromEntries(Object.entries(keys).filter(([k]) => !names.includes(k)));
    },
  } as RelayLogger & { lines: CapturedLog[]; text(): string };
}

export interface Harness {
  kms: KmsStandIn;
  keyArn: string;
  inbox: SmtpInbox;
  sendgrid: FakeProvider;
  twilio: FakeProvider;
  /** The environment a deployed function would have, pointing at the loopback servers. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  relay(extra?: Record<string, string | undefined>, options?: BootstrapOptions): Promise<Bootstrapped>;
  encrypt(plaintext: string, options?: { userPoolId?: string; keyArn?: string; format?: CognitoCodeFormat }): Promise<string>;
  event(triggerSource: string, code: string | null, overrides?: Partial<SampleEventInput>): ReturnType<typeof sampleEvent>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  useTestAwsEnv();
  const kms = await startKmsStandIn({ region: 'eu-west-1' });
  const keyArn = kms.createKey();
  // The SDK reads the endpoint from the process environment, as it would on Lambda; each test
  // file runs in its own process, so this does not leak between files.
  process.env.AWS_ENDPOINT_URL_KMS = kms.url;
  const inbox = await startSmtpInbox();
  const sendgrid = await startFakeProvider({ status: 202, headers: { 'x-message-id': 'sg-message-1' } });
  const twilio = await startFakeProvider({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } });
  const opened: Bootstrapped[] = [];

  const env = (extra: Record<string, string | undefined> = {}) => ({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_ENDPOINT_URL_KMS: kms.url,
    KMS_KEY_ARN: keyArn,
    EMAIL_PROVIDER: 'smtp',
    EMAIL_FROM: 'no-reply@example.com',
    EMAIL_FROM_NAME: 'Example',
    SMTP_URL: inbox.url,
    SENDGRID_API_KEY: 'SG.test-key',
    SENDGRID_BASE_URL: sendgrid.url,
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: 'twilio-test-token',
    TWILIO_FROM: '+15005550006',
    TWILIO_BASE_URL: twilio.url,
    APP_NAME: 'Example',
    ...extra,
  });

  return {
    kms,
    keyArn,
    inbox,
    sendgrid,
    twilio,
    env,
    async relay(extra, options) {
      const built = await bootstrap(env(extra), { logger: captureLogger(), ...options });
      opened.push(built);
      return built;
    },
    encrypt(plaintext, options = {}) {
      return encryptCognitoCode({
        plaintext,
        keyArn: options.keyArn ?? keyArn,
        userPoolId: options.userPoolId ?? SAMPLE_POOL_ID,
        kmsEndpoint: kms.url,
        region: 'eu-west-1',
        format: options.format ?? 'cognito',
      });
    },
    event(triggerSource, code, overrides = {}) {
      return sampleEvent({ triggerSource, code, ...overrides });
    },
    async close() {
      await Promise.all(opened.map((b) => b.close()));
      await Promise.all([kms.close(), inbox.close(), sendgrid.close(), twilio.close()]);
    },
  };
}
