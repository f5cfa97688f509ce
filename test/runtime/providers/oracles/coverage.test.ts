/**
 * Every provider the relay knows is checked against a counterpart its owner publishes: its
 * official SDK (a comparison file in this folder), or, where there is none, its published spec
 * or a real server. A provider added without one fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { knownProviders } from '../../../../src/runtime/providers/registry.ts';

const here = (file: string) => new URL(file, import.meta.url);

/** Provider → the file holding its oracle test, and the package that is the oracle. */
const ORACLES: Record<'email' | 'sms', Record<string, { file: string; oracle: string }>> = {
  email: {
    sendgrid: { file: './sendgrid.test.ts', oracle: '@sendgrid/mail' },
    mailgun: { file: './mailgun.test.ts', oracle: 'mailgun.js' },
    postmark: { file: './postmark.test.ts', oracle: 'postmark' },
    mandrill: { file: './mandrill.test.ts', oracle: '@mailchimp/mailchimp_transactional' },
    resend: { file: './resend.test.ts', oracle: 'resend' },
    sparkpost: { file: './sparkpost.test.ts', oracle: 'sparkpost' },
    brevo: { file: './brevo.test.ts', oracle: '@getbrevo/brevo' },
    ses: { file: './aws.test.ts', oracle: '@aws-sdk/client-sesv2' },
    // No SDK: a real SMTP server (smtp-server) receives the mail.
    smtp: { file: '../email/smtp.test.ts', oracle: 'smtp-server' },
    // No SDK: the Standard Webhooks reference library verifies the signatures.
    webhook: { file: '../webhook.test.ts', oracle: 'standardwebhooks' },
  },
  sms: {
    twilio: { file: './twilio.test.ts', oracle: 'twilio' },
    vonage: { file: './vonage.test.ts', oracle: '@vonage/sms' },
    plivo: { file: './plivo.test.ts', oracle: 'plivo' },
    bird: { file: './bird.test.ts', oracle: '@messagebird/sdk' },
    sns: { file: './aws.test.ts', oracle: '@aws-sdk/client-sns' },
    eum: { file: './aws.test.ts', oracle: '@aws-sdk/client-pinpoint-sms-voice-v2' },
    webhook: { file: '../webhook.test.ts', oracle: 'standardwebhooks' },
  },
};

describe('every provider has an oracle', () => {
  for (const channel of ['email', 'sms'] as const) {
    it(`${channel}: each provider's test imports its owner's SDK, spec library or server`, () => {
      assert.deepEqual(Object.keys(ORACLES[channel]).sort(), knownProviders(channel));
      for (const [name, { file, oracle }] of Object.entries(ORACLES[channel])) {
        assert.ok(existsSync(here(file)), `${name}: ${file}`);
        assert.match(readFileSync(here(file), 'utf8'), new RegExp(`from '${oracle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`), `${name}: ${file} imports ${oracle}`);
      }
    });
  }

  it('keeps the SDKs out of the Lambda: devDependencies only', () => {
    const pkg = JSON.parse(readFileSync(here('../../../../package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const sdks = Object.values(ORACLES)
      .flatMap((providers) => Object.values(providers).map((p) => p.oracle))
      .filter((name) => !name.startsWith('@aws-sdk/'));
    // smtp-server is the SMTP oracle and also the sandbox's inbox, which the CLI ships; it is
    // never imported by the Lambda (the bundle check below).
    for (const name of new Set(sdks)) {
      if (name === 'smtp-server') continue;
      assert.equal(pkg.dependencies[name], undefined, `${name} is not a runtime dependency`);
      assert.ok(pkg.devDependencies[name], `${name} is a devDependency`);
    }
    const meta = here('../../../../dist/meta.json');
    if (existsSync(meta)) {
      const inputs = Object.keys((JSON.parse(readFileSync(meta, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
      for (const name of new Set(sdks)) {
        assert.ok(!inputs.some((path) => path.includes(`node_modules/${name}/`)), `${name} is in the Lambda bundle`);
      }
    }
  });
});
