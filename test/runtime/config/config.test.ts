import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/runtime/config/config.ts';
import { ConfigError } from '../../../src/runtime/errors.ts';
import { parseHostedTemplates } from '../../../src/runtime/config/hosted-templates.ts';
import { DELIVERY_DEFAULTS } from '../../../src/runtime/delivery/policy.ts';
import { PROVIDER_LOADERS } from '../../../src/runtime/providers/registry.ts';
import type { EmailProvider, ProviderDefinition } from '../../../src/runtime/providers/types.ts';
import * as v from 'valibot';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

async function problemsOf(env: Record<string, string | undefined>): Promise<string[]> {
  try {
    await loadConfig(env, { readSecret: async () => 'secret-value' });
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
}

describe('loadConfig', () => {
  it('lists every problem at once', async () => {
    const problems = await problemsOf({ KMS_KEY_ARN: 'alias/cognito', EMAIL_PROVIDER: 'sendgrid', SMS_PROVIDER: 'carrier-pigeon' });
    const text = problems.join('\n');
    assert.match(text, /KMS_KEY_ARN is a KMS alias/);
    assert.match(text, /SENDGRID_API_KEY/);
    assert.match(text, /EMAIL_FROM is required/);
    assert.match(text, /unknown sms provider "carrier-pigeon"; choose one of .*twilio/);
    assert.ok(problems.length >= 4);
  });

  it('asks for a provider when none is set', async () => {
    assert.match((await problemsOf({ KMS_KEY_ARN: KEY })).join(), /no provider configured/);
  });

  it('does not need SMS settings for an email-only deployment, nor the reverse', async () => {
    assert.deepEqual(await problemsOf({ KMS_KEY_ARN: KEY, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'smtp://localhost:25', EMAIL_FROM: 'a@example.com' }), []);
    assert.deepEqual(
      await problemsOf({ KMS_KEY_ARN: KEY, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' }),
      [],
    );
  });

  it('needs TWILIO_FROM or a messaging service', async () => {
    const problems = await problemsOf({ KMS_KEY_ARN: KEY, SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' });
    assert.match(problems.join(), /TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID/);
  });

  it('reads secrets from Secrets Manager or SSM when given as _SECRET_ARN / _PARAMETER', async () => {
    const asked: string[] = [];
    const config = await loadConfig(
      {
        KMS_KEY_ARN: KEY,
        EMAIL_PROVIDER: 'sendgrid',
        EMAIL_FROM: 'a@example.com',
        SENDGRID_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:sg',
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_AUTH_TOKEN_PARAMETER: '/relay/twilio-token',
        TWILIO_FROM: '+15005550006',
      },
      {
        readSecret: async ({ kind, id }) => {
          asked.push(`${kind}:${id}`);
          return kind === 'secret' ? 'SG.from-secrets-manager' : 'token-from-ssm';
        },
      },
    );
    assert.deepEqual(asked.sort(), ['parameter:/relay/twilio-token', 'secret:arn:aws:secretsmanager:eu-west-1:111122223333:secret:sg']);
    assert.equal(config.email?.providers[0]?.settings.SENDGRID_API_KEY, 'SG.from-secrets-manager');
    assert.equal(config.sms?.providers[0]?.settings.TWILIO_AUTH_TOKEN, 'token-from-ssm');
  });

  it('reports an unreadable secret with the setting that names it', async () => {
    const problems = await (async () => {
      try {
        await loadConfig(
          { KMS_KEY_ARN: KEY, EMAIL_PROVIDER: 'smtp', EMAIL_FROM: 'a@example.com', SMTP_URL_PARAMETER: '/nope' },
          { readSecret: async () => Promise.reject(new Error('ParameterNotFound')) },
        );
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    assert.match(problems.join(), /SMTP_URL_PARAMETER: could not read \/nope \(ParameterNotFound\)/);
  });

  it('keeps failover order from EMAIL_PROVIDERS', async () => {
    const config = await loadConfig({
      KMS_KEY_ARN: KEY,
      EMAIL_PROVIDERS: 'sendgrid, smtp',
      EMAIL_FROM: 'a@example.com',
      SENDGRID_API_KEY: 'k',
      SMTP_URL: 'smtp://localhost:25',
    });
    assert.deepEqual(config.email?.providers.map((p) => p.definition.name), ['sendgrid', 'smtp']);
  });

  it('refuses a plain-http base URL except to this machine', async () => {
    const base = { KMS_KEY_ARN: KEY, EMAIL_PROVIDER: 'sendgrid', EMAIL_FROM: 'a@example.com', SENDGRID_API_KEY: 'k' };
    assert.match((await problemsOf({ ...base, SENDGRID_BASE_URL: 'http://api.sendgrid.com' })).join(), /SENDGRID_BASE_URL must use https/);
    assert.deepEqual(await problemsOf({ ...base, SENDGRID_BASE_URL: 'http://127.0.0.1:8080' }), []);
    assert.deepEqual(await problemsOf({ ...base, SENDGRID_BASE_URL: 'https://api.eu.sendgrid.com' }), []);
  });

  it('strips CR/LF from the sender name', async () => {
    const config = await loadConfig({
      KMS_KEY_ARN: KEY,
      EMAIL_PROVIDER: 'smtp',
      SMTP_URL: 'smtp://localhost:25',
      EMAIL_FROM: 'a@example.com',
      EMAIL_FROM_NAME: 'Acme\r\nBcc: x@example.com',
    });
    assert.equal(config.email?.from.name, 'Acme Bcc: x@example.com');
  });
});

describe('parseHostedTemplates', () => {
  it('finds the exact locale, then the language, then the default', () => {
    const { lookup, problems } = parseHostedTemplates(
      JSON.stringify({ postmark: { SignUp: { 'pt-BR': 'signup-br', pt: 'signup-pt', default: 'signup' }, ForgotPassword: 'forgot' } }),
      'PROVIDER_TEMPLATES',
    );
    assert.deepEqual(problems, []);
    assert.equal(lookup.find('postmark', 'SignUp', 'pt-BR'), 'signup-br');
    assert.equal(lookup.find('postmark', 'SignUp', 'pt-PT'), 'signup-pt');
    assert.equal(lookup.find('postmark', 'SignUp', 'de'), 'signup');
    assert.equal(lookup.find('postmark', 'ForgotPassword', 'de'), 'forgot');
    assert.equal(lookup.find('postmark', 'Authentication', 'en'), undefined);
    assert.equal(lookup.find('sendgrid', 'SignUp', 'en'), undefined);
  });

  it('names the bad entry', () => {
    assert.match(parseHostedTemplates('{"sendgrid":{"SignIn":"d-1"}}', 'PROVIDER_TEMPLATES').problems.join(), /PROVIDER_TEMPLATES\.sendgrid\.SignIn/);
    assert.match(parseHostedTemplates('{', 'PROVIDER_TEMPLATES').problems.join(), /not valid JSON/);
  });
});

describe('loadConfig: one schema, one error', () => {
  const smtp = { KMS_KEY_ARN: KEY, EMAIL_PROVIDER: 'smtp', SMTP_URL: 'smtp://localhost:25', EMAIL_FROM: 'a@example.com' };

  it('reports a bad EMAIL_FROM and MAX_ATTEMPTS=99 together, in one round', async () => {
    const problems = await problemsOf({ ...smtp, EMAIL_FROM: 'not-an-address', MAX_ATTEMPTS: '99' });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /EMAIL_FROM "not-an-address" is not an email address/);
    assert.match(problems.join('\n'), /MAX_ATTEMPTS must be a whole number from 1 to 10, got "99"/);
  });

  it('names a bad LOG_LEVEL and lists the levels', async () => {
    const problems = await problemsOf({ ...smtp, LOG_LEVEL: 'verbose' });
    assert.deepEqual(problems, ['LOG_LEVEL "verbose" is not a log level; use one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT']);
    assert.equal((await loadConfig({ ...smtp, LOG_LEVEL: 'debug' })).logLevel, 'DEBUG');
  });

  it('collects problems of every part: core, delivery policy, hosted templates, provider settings', async () => {
    const problems = await problemsOf({
      KMS_KEY_ARN: 'alias/relay',
      EMAIL_PROVIDER: 'sendgrid',
      EMAIL_FROM: 'a@example.com',
      SENDGRID_API_KEY: 'SG.key',
      SENDGRID_BASE_URL: 'http://api.sendgrid.com',
      DEFAULT_LOCALE: 'english please',
      UNKNOWN_OUTCOME_RESENDS: '7',
      SMS_ALLOWED_COUNTRIES: '4',
      SMS_MAX_PER_NUMBER_PER_HOUR: '5',
      IDEMPOTENCY_TABLE: undefined,
      PROVIDER_TEMPLATES: '{"sendgrid":{"SignUp":"not-a-template"}}',
    });
    const text = problems.join('\n');
    for (const expected of [
      /KMS_KEY_ARN is a KMS alias/,
      /SENDGRID_BASE_URL must use https/,
      /DEFAULT_LOCALE "english please" is not a locale/,
      /UNKNOWN_OUTCOME_RESENDS must be a whole number from 0 to 3, got "7"/,
      /SMS_ALLOWED_COUNTRIES: "4" is not a country calling code/,
      /SMS_MAX_PER_NUMBER_PER_HOUR needs IDEMPOTENCY_TABLE/,
      /PROVIDER_TEMPLATES\.sendgrid\.SignUp: "not-a-template" is not a sendgrid template id/,
    ]) {
      assert.match(text, expected);
    }
    assert.equal(problems.length, 7, text);
  });

  it('builds the delivery policy from the environment, with the documented defaults', async () => {
    const defaults = await loadConfig(smtp);
    assert.deepEqual(defaults.delivery, {
      maxAttempts: DELIVERY_DEFAULTS.maxAttempts.default,
      attemptTimeoutMs: DELIVERY_DEFAULTS.attemptTimeoutMs.default,
      unknownOutcomeResends: DELIVERY_DEFAULTS.unknownOutcomeResends.default,
      breaker: { threshold: DELIVERY_DEFAULTS.breakerThreshold.default, cooldownMs: DELIVERY_DEFAULTS.breakerCooldownMs.default },
      sms: { allowedCountries: undefined, maxPerNumberPerHour: undefined },
    });
    assert.equal(defaults.idempotencyTable, undefined);
    const tuned = await loadConfig({
      ...smtp,
      MAX_ATTEMPTS: '5',
      ATTEMPT_TIMEOUT_MS: ' 2500 ',
      UNKNOWN_OUTCOME_RESENDS: '0',
      CIRCUIT_BREAKER_THRESHOLD: '7',
      CIRCUIT_BREAKER_COOLDOWN_MS: '60000',
      SMS_ALLOWED_COUNTRIES: '+1, 44,351',
      SMS_MAX_PER_NUMBER_PER_HOUR: '3',
      IDEMPOTENCY_TABLE: 'relay-idempotency',
    });
    assert.deepEqual(tuned.delivery, {
      maxAttempts: 5,
      attemptTimeoutMs: 2500,
      unknownOutcomeResends: 0,
      breaker: { threshold: 7, cooldownMs: 60000 },
      sms: { allowedCountries: ['1', '44', '351'], maxPerNumberPerHour: 3 },
    });
    assert.equal(tuned.idempotencyTable, 'relay-idempotency');
    assert.match((await problemsOf({ ...smtp, IDEMPOTENCY_TABLE: 'no spaces allowed' })).join(), /IDEMPOTENCY_TABLE "no spaces allowed" is not a DynamoDB table name/);
  });

  it("runs each provider's own schema and hands its typed output to create, its issues with the others", async () => {
    const received: unknown[] = [];
    const acme: ProviderDefinition<'email'> = {
      name: 'acme',
      channel: 'email',
      settings: [
        { env: 'ACME_REGION_CODE', required: true, description: 'two letters' },
        { env: 'ACME_TIMEOUT', default: '30', description: 'seconds' },
      ],
      schema: v.pipe(
        v.object({
          ACME_REGION_CODE: v.pipe(v.string(), v.regex(/^[a-z]{2}$/, 'ACME_REGION_CODE must be two lower-case letters')),
          ACME_TIMEOUT: v.pipe(v.string(), v.transform(Number), v.number()),
        }),
      ) as never,
      create(settings, _deps) {
        received.push(settings);
        return { name: 'acme', channel: 'email', send: async () => ({ provider: 'acme' }) } satisfies EmailProvider;
      },
    };
    const providers = { email: { acme: async () => ({ default: acme }) }, sms: PROVIDER_LOADERS.sms };
    const base = { KMS_KEY_ARN: KEY, EMAIL_PROVIDER: 'acme', EMAIL_FROM: 'a@example.com' };

    await assert.rejects(loadConfig({ ...base, ACME_REGION_CODE: 'EU', MAX_ATTEMPTS: '0' }, { providers }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.sort(), ['ACME_REGION_CODE must be two lower-case letters', 'MAX_ATTEMPTS must be a whole number from 1 to 10, got "0"']);
      return true;
    });

    const config = await loadConfig({ ...base, ACME_REGION_CODE: 'eu' }, { providers });
    config.email?.providers[0]?.create({ fetch: globalThis.fetch });
    assert.deepEqual(received, [{ ACME_REGION_CODE: 'eu', ACME_TIMEOUT: 30 }]);
  });

  it('keeps every configured secret, and the parts of a URL secret, for scrubbing', async () => {
    const config = await loadConfig({
      KMS_KEY_ARN: KEY,
      EMAIL_PROVIDERS: 'sendgrid,smtp',
      EMAIL_FROM: 'a@example.com',
      SENDGRID_API_KEY: 'SG.abc.def',
      SMTP_URL: 'smtps://mailer%40example.com:p%40ss%2Fword@smtp.example.com:465',
      AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLETOKEN',
    });
    for (const secret of ['SG.abc.def', 'p%40ss%2Fword', 'p@ss/word', 'mailer@example.com', 'IQoJb3JpZ2luX2VjEXAMPLETOKEN']) {
      assert.ok(config.secrets.includes(secret), secret);
    }
    assert.ok(!config.secrets.includes('a@example.com'), 'the sender address is not a secret');
  });
});

