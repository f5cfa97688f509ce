/**
 * A message that should carry the code is never delivered without it: a template typo such as
 * `{{name}` swallows the rest of the template silently, and the user would get a message they
 * cannot use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTrigger, type TriggerRule } from '../../../src/runtime/cognito/triggers.ts';
import { missingCodeParts, type RenderedMessage } from '../../../src/runtime/core/renderer.ts';
import { TemplateError } from '../../../src/runtime/errors.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { loadTemplateStoreFromDirs } from '../../../src/runtime/templates/store.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

const rule = (source: string): TriggerRule => findTrigger(source) ?? assert.fail(source);
const email = (html: string, text: string, variables: Record<string, unknown> = { code: '123456' }): RenderedMessage => ({
  locale: 'en',
  variables: { username: 'ada', ...variables } as RenderedMessage['variables'],
  content: { channel: 'email', subject: 'Your code', html, text },
});

describe('missingCodeParts', () => {
  it('names each part that lacks the code', () => {
    const signUp = rule('CustomEmailSender_SignUp');
    assert.deepEqual(missingCodeParts(signUp, '123456', email('<p>123456</p>', 'code: 123456')), []);
    assert.deepEqual(missingCodeParts(signUp, '123456', email('<p>Hi</p>', 'code: 123456')), ['email HTML']);
    assert.deepEqual(missingCodeParts(signUp, '123456', email('<p>123456</p>', 'Hi')), ['email text']);
    assert.deepEqual(missingCodeParts(signUp, '123456', email('<p>123456</p>', '123456', {})), ['template variables']);
    const sms: RenderedMessage = { locale: 'fr', variables: { code: '123456' } as RenderedMessage['variables'], content: { channel: 'sms', text: 'Bonjour' } };
    assert.deepEqual(missingCodeParts(rule('CustomSMSSender_SignUp'), '123456', sms), ['SMS']);
  });

  it('finds a temporary password escaped in HTML, as {{code}} writes it, or verbatim', () => {
    const invite = rule('CustomEmailSender_AdminCreateUser');
    assert.deepEqual(missingCodeParts(invite, 'Ab1<x>=9', email('<b>Ab1&lt;x&gt;&#x3D;9</b>', 'Ab1<x>=9', { code: 'Ab1<x>=9' })), []);
    assert.deepEqual(missingCodeParts(invite, 'Ab1<x>=9', email('<b>Ab1<x>=9</b>', 'Ab1<x>=9', { code: 'Ab1<x>=9' })), []);
  });

  it('asks nothing of AccountTakeOverNotification, which has no code', () => {
    assert.deepEqual(missingCodeParts(rule('CustomEmailSender_AccountTakeOverNotification'), undefined, email('<p>Was this you?</p>', 'Was this you?', {})), []);
  });
});

describe('relay: a rendered message without its code fails loudly instead of being delivered', () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), 'relay-typo-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  it('refuses an email whose HTML template swallows {{code}}, naming trigger, locale and part', async () => {
    mkdirSync(join(dir, 'en', 'SignUp'), { recursive: true });
    writeFileSync(join(dir, 'en', 'SignUp', 'email.html'), '<p>Hi {{name}, your code is {{code}}</p>');
    const templateStore = loadTemplateStoreFromDirs([dir, BUILTIN_TEMPLATES_DIR]);
    const { relay } = await h.relay({}, { templateStore });
    const before = h.inbox.messages.length;
    const error = await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('515151'))).catch((e: unknown) => e);
    assert.ok(error instanceof TemplateError, String(error));
    assert.match(error.message, /the SignUp message \(locale en\) does not contain the code in its email HTML/);
    assert.ok(!error.message.includes('515151'));
    assert.equal(h.inbox.messages.length, before, 'nothing was delivered');
    // The same relay still delivers a trigger whose templates are fine.
    await relay.handle(h.event('CustomEmailSender_ForgotPassword', await h.encrypt('525252')));
    assert.ok((await h.inbox.waitFor(before)).parsed.text?.includes('525252'));
  });

  it('refuses an SMS whose template lost the code', async () => {
    mkdirSync(join(dir, 'fr', 'Authentication'), { recursive: true });
    writeFileSync(join(dir, 'fr', 'Authentication', 'sms.txt'), 'Votre code : {{cdoe}}');
    const templateStore = loadTemplateStoreFromDirs([dir, BUILTIN_TEMPLATES_DIR]);
    const { relay } = await h.relay({}, { templateStore });
    const before = h.twilio.requests.length;
    const event = h.event('CustomSMSSender_Authentication', await h.encrypt('535353'), { clientMetadata: { locale: 'fr' } });
    await assert.rejects(relay.handle(event), /the Authentication message \(locale fr\) does not contain the code in its SMS/);
    assert.equal(h.twilio.requests.length, before, 'nothing was sent');
  });
});
