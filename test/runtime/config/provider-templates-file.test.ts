/**
 * `templates/provider-templates.json`: the provider-hosted template mapping as a file beside the
 * templates, embedded in the bundle at build time, overridden per trigger by PROVIDER_TEMPLATES.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedModuleSource } from '../../../src/runtime/templates/esbuild-plugin.ts';
import { captureLogger, startHarness, type Harness } from '../../support/harness.ts';

let dir: string;
let h: Harness;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-templates-'));
  h = await startHarness();
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.TEMPLATES_DIR;
  await h.close();
});

describe('provider-templates.json', () => {
  it('is embedded in the bundle by the templates plugin', () => {
    const mapping = { sendgrid: { SignUp: 'd-0123456789abcdef0123456789abcdef' } };
    writeFileSync(join(dir, 'provider-templates.json'), JSON.stringify(mapping));
    const module = embeddedModuleSource({ userDir: dir });
    assert.deepEqual(module.errors, []);
    assert.ok(module.contents.includes('d-0123456789abcdef0123456789abcdef'));
  });

  it('maps a trigger to a hosted template, and PROVIDER_TEMPLATES wins per trigger', async () => {
    writeFileSync(
      join(dir, 'provider-templates.json'),
      JSON.stringify({ sendgrid: { SignUp: 'd-11111111111111111111111111111111', ForgotPassword: 'd-22222222222222222222222222222222' } }),
    );
    process.env.TEMPLATES_DIR = dir;
    const { relay } = await h.relay({
      EMAIL_PROVIDER: 'sendgrid',
      PROVIDER_TEMPLATES: JSON.stringify({ sendgrid: { ForgotPassword: 'd-33333333333333333333333333333333' } }),
    });
    const first = h.sendgrid.requests.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('101010')));
    await relay.handle(h.event('CustomEmailSender_ForgotPassword', await h.encrypt('202020')));
    await relay.handle(h.event('CustomEmailSender_ResendCode', await h.encrypt('303030')));
    const bodies = h.sendgrid.requests.slice(first).map((r) => JSON.parse(r.body));
    assert.equal(bodies[0].template_id, 'd-11111111111111111111111111111111', 'from the file');
    assert.equal(bodies[1].template_id, 'd-33333333333333333333333333333333', 'env overrides the file');
    assert.equal(bodies[2].template_id, undefined, 'no mapping: local template');
    assert.ok(bodies[2].content[0].value.includes('303030'));
  });

  it('fails at cold start naming the file when an id has the wrong shape', async () => {
    writeFileSync(join(dir, 'provider-templates.json'), JSON.stringify({ sendgrid: { SignUp: 'not-a-template' } }));
    process.env.TEMPLATES_DIR = dir;
    await assert.rejects(h.relay({ EMAIL_PROVIDER: 'sendgrid' }), /templates\/provider-templates\.json\.sendgrid\.SignUp: "not-a-template" is not a sendgrid template id/);
  });

  it('ignores, with a warning, entries for a provider this deployment does not use, and refuses unknown names', async () => {
    writeFileSync(
      join(dir, 'provider-templates.json'),
      JSON.stringify({ brevo: { SignUp: 'not-a-number' }, sendgrid: { SignUp: 'd-11111111111111111111111111111111' } }),
    );
    process.env.TEMPLATES_DIR = dir;
    const logger = captureLogger();
    const { relay } = await h.relay({ EMAIL_PROVIDER: 'sendgrid' }, { logger });
    assert.match(logger.text(), /templates\/provider-templates\.json\.brevo: ignored, brevo is not a configured provider/);
    const first = h.sendgrid.requests.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('404040')));
    assert.equal(JSON.parse(h.sendgrid.requests[first]?.body ?? '{}').template_id, 'd-11111111111111111111111111111111');

    writeFileSync(join(dir, 'provider-templates.json'), JSON.stringify({ sendgird: { SignUp: 'd-11111111111111111111111111111111' } }));
    await assert.rejects(h.relay({ EMAIL_PROVIDER: 'sendgrid' }), /provider-templates\.json\.sendgird: unknown provider "sendgird"/);
  });
});
