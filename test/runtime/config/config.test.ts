import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/runtime/config/config.ts';
import { ConfigError } from '../../../src/runtime/errors.ts';
import { parseHostedTemplates } from '../../../src/runtime/config/hosted-templates.ts';

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
