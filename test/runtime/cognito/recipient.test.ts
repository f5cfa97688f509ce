/**
 * Recipient addresses are sent to byte for byte as Cognito verified them: anything a mailer
 * would reinterpret is refused, before any KMS or provider call. nodemailer's own address parser
 * (what the SMTP provider hands addresses to) is the counterpart that says what "reinterpret" means.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { emailAddressProblem, findRecipient } from '../../../src/runtime/cognito/recipient.ts';
import { EventError } from '../../../src/runtime/errors.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

const addressparser = createRequire(import.meta.url)('nodemailer/lib/addressparser') as (
  text: string,
) => { address?: string; name: string; group?: unknown[] }[];

/** Every hole the red-team pass found, and its neighbours. */
const HOLES: Record<string, string> = {
  'NUL byte': 'victim@corp.com\u0000.evil.com',
  'other control character': 'victim@corp.com\u0007.evil.com',
  'zero-width character': 'vic\u200btim@corp.com',
  'line break': 'victim@corp.com\r\nBcc: x@evil.com',
  'group syntax': 'friends:victim@corp.com,x@evil.com;',
  'colon alone': 'a:victim@corp.com',
  'semicolon alone': 'victim@corp.com;',
  backslash: 'vic\\tim@corp.com',
  'quoted local part': '"victim@corp.com"@evil.com',
  'quoted local part with a space': '"a b"@corp.com',
  comment: 'victim(x@evil.com)@corp.com',
  'display name': 'Victim <x@evil.com>',
  'two addresses': 'victim@corp.com,x@evil.com',
  'domain literal': 'victim@[192.0.2.1]',
  space: 'vic tim@corp.com',
  'two at signs': 'victim@corp.com@evil.com',
  'empty label': 'victim@corp..com',
  'leading dot': '.victim@corp.com',
  'too long': `${'a'.repeat(250)}@corp.com`,
};

async function recipientOf(email: string) {
  return findRecipient({
    channel: 'email',
    userPoolId: 'eu-west-1_AbCdEf123',
    userName: 'ada',
    userAttributes: { email },
    lookupUser: async () => assert.fail('no lookup for an event that carries the email'),
  });
}

describe('recipient addresses', () => {
  for (const [hole, email] of Object.entries(HOLES)) {
    it(`refuses ${hole}, naming request.userAttributes.email and not echoing it`, async () => {
      await assert.rejects(recipientOf(email), (error: unknown) => {
        assert.ok(error instanceof EventError);
        assert.equal(error.field, 'request.userAttributes.email');
        assert.ok(!error.message.includes('corp.com'), error.message);
        return true;
      });
    });
  }

  it('uses ordinary and international addresses exactly as given', async () => {
    for (const email of ['ada@example.com', "o'brien+signup@mail.example.co.uk", 'A.Lovelace@Example.COM', 'user@bücher.de', 'ü@例え.jp']) {
      assert.equal((await recipientOf(email)).to, email);
    }
  });

  it("accepts only addresses nodemailer's parser reads back as exactly that one address", () => {
    const localChar = fc.constantFrom(...'abcXYZ019.!#$%&\'*+/=?^_`{|}~-"\\ ():;<>,[]@\u0000\u0007\r\n\u200bé'.split(''));
    const domainChar = fc.constantFrom(...'abcxyz019.-[]:;@ \u0000é'.split(''));
    const address = fc
      .tuple(fc.array(localChar, { minLength: 1, maxLength: 12 }), fc.array(domainChar, { minLength: 1, maxLength: 12 }), fc.constantFrom('com', 'de', 'io'))
      .map(([local, domain, tld]) => `${local.join('')}@${domain.join('')}.${tld}`);
    fc.assert(
      fc.property(address, (email) => {
        if (emailAddressProblem(email) !== undefined) return;
        const parsed = addressparser(email);
        assert.deepEqual(parsed, [{ address: email, name: '' }], `accepted ${JSON.stringify(email)} but nodemailer reads ${JSON.stringify(parsed)}`);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('relay: a reinterpretable address is refused before any KMS or provider call', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  it('refuses victim@corp.com\\u0000.evil.com with an error naming request.userAttributes.email', async () => {
    const { relay } = await h.relay();
    const ciphertext = await h.encrypt('123456');
    const decrypts = h.kms.calls.Decrypt ?? 0;
    const mails = h.inbox.messages.length;
    const event = h.event('CustomEmailSender_SignUp', ciphertext, { userAttributes: { email: 'victim@corp.com\u0000.evil.com' } });
    await assert.rejects(relay.handle(event), /invalid Cognito event: request\.userAttributes\.email: contains a control or invisible character/);
    assert.equal(h.kms.calls.Decrypt ?? 0, decrypts, 'KMS was not called');
    assert.equal(h.inbox.messages.length, mails, 'nothing was sent');
  });
});
