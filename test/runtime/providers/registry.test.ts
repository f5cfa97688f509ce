import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMAIL_PROVIDERS, SMS_PROVIDERS, knownProviders } from '../../../src/runtime/providers/registry.ts';
import type { SettingSpec } from '../../../src/runtime/providers/types.ts';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Every module URL a fresh process resolves while loading these providers through the registry. */
function modulesLoadedFor(...providers: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'relay-imports-'));
  const file = join(dir, 'imports.txt');
  try {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', join(fixtures, 'register-record-imports.mjs'), join(fixtures, 'load-providers.ts'), ...providers],
      { env: { ...process.env, RECORD_IMPORTS_FILE: file, NODE_NO_WARNINGS: '1' }, encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('provider registry', () => {
  it('knows every provider of the catalogue, on the right channel', () => {
    assert.deepEqual(knownProviders('email'), ['brevo', 'mailgun', 'mandrill', 'postmark', 'resend', 'sendgrid', 'ses', 'smtp', 'sparkpost', 'webhook']);
    assert.deepEqual(knownProviders('sms'), ['bird', 'eum', 'plivo', 'sns', 'twilio', 'vonage', 'webhook']);
  });

  it('loads definitions whose name and channel match their registry entry, with every credential marked secret', async () => {
    const secrets = new Set<string>();
    for (const [channel, loaders] of [
      ['email', EMAIL_PROVIDERS],
      ['sms', SMS_PROVIDERS],
    ] as const) {
      for (const [name, load] of Object.entries(loaders)) {
        const definition = (await load()).default;
        assert.equal(definition.name, name);
        assert.equal(definition.channel, channel);
        for (const setting of definition.settings) if (setting.secret) secrets.add(setting.env);
        const baseUrl = definition.settings.find((s: SettingSpec) => s.env.endsWith('_BASE_URL'));
        if (name !== 'smtp' && name !== 'webhook') assert.ok(baseUrl, `${name} has a <PROVIDER>_BASE_URL override`);
      }
    }
    // Account identifiers (TWILIO_ACCOUNT_SID, VONAGE_API_KEY, PLIVO_AUTH_ID) are not secrets.
    assert.deepEqual([...secrets].sort(), [
      'BIRD_API_KEY',
      'BREVO_API_KEY',
      'MAILGUN_API_KEY',
      'MANDRILL_API_KEY',
      'PLIVO_AUTH_TOKEN',
      'POSTMARK_SERVER_TOKEN',
      'RESEND_API_KEY',
      'SENDGRID_API_KEY',
      'SMTP_URL',
      'SPARKPOST_API_KEY',
      'TWILIO_AUTH_TOKEN',
      'VONAGE_API_SECRET',
      'WEBHOOK_SECRET',
    ]);
  });

  it('loads only the configured HTTP provider: no AWS SDK client, no other provider module', () => {
    const loaded = modulesLoadedFor('email:mailgun', 'sms:vonage');
    assert.ok(loaded.some((url) => url.endsWith('/providers/email/mailgun.ts')));
    assert.ok(loaded.some((url) => url.endsWith('/providers/sms/vonage.ts')));
    const unwanted = loaded.filter((url) => /@aws-sdk\/client-(sesv2|sns|pinpoint)|providers\/(email|sms)\/(?!mailgun|vonage)\w+\.ts$|nodemailer/.test(url));
    assert.deepEqual(unwanted, []);
  });

  it('loads only the AWS client of the configured AWS provider', () => {
    const loaded = modulesLoadedFor('email:ses');
    assert.ok(loaded.some((url) => url.includes('@aws-sdk/client-sesv2')));
    assert.deepEqual(
      loaded.filter((url) => /@aws-sdk\/client-(sns|pinpoint-sms-voice-v2)\//.test(url)),
      [],
    );
  });
});
