/**
 * At cold start the relay checks again what the build could not know: with a `DEFAULT_LOCALE`
 * other than `en`, the files a locale falls back to change, so every code-bearing template of the
 * channels it sends is rendered once more with a sentinel code. A template without the code
 * then fails every invocation with the list, instead of sending a message the user cannot use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateError } from '../../../src/runtime/errors.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

// The default store (what a bundle embeds) reads this folder on first use, in this process only.
const userTemplates = mkdtempSync(join(tmpdir(), 'cold-start-templates-'));
mkdirSync(join(userTemplates, 'fr', 'SignUp'), { recursive: true });
writeFileSync(join(userTemplates, 'fr', 'SignUp', 'email.html'), '<p>Bonjour {{nom}}, bienvenue !</p>');
process.env.TEMPLATES_DIR = userTemplates;

describe('bootstrap: templates checked at cold start', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    rmSync(userTemplates, { recursive: true, force: true });
  });

  it('refuses to start with DEFAULT_LOCALE=fr when a French template would send no code, naming it', async () => {
    const error = await h.relay({ DEFAULT_LOCALE: 'fr' }).catch((e: unknown) => e);
    assert.ok(error instanceof TemplateError, String(error));
    assert.match(error.message, /fr\/SignUp\/email\.html \(as rendered, locale fr\): the message does not contain \{\{code\}\}/);
  });

  it('spends nothing at cold start with the default locale, and the send-time check still refuses the French message', async () => {
    const { relay } = await h.relay({ DEFAULT_LOCALE: 'en' });
    const before = h.inbox.messages.length;
    const event = h.event('CustomEmailSender_SignUp', await h.encrypt('616161'), { clientMetadata: { locale: 'fr' } });
    await assert.rejects(relay.handle(event), /does not contain the code in its email HTML/);
    assert.equal(h.inbox.messages.length, before, 'nothing was delivered');
  });
});
