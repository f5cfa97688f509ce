/**
 * The sandbox's "code in the message" check looks at every part a user could read: a template
 * typo that drops the code from the HTML part only is a failure, even when the text part has it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkCodeInMessages, type EmailView, type SmsView } from '../../../src/tools/local/views.ts';

function email(id: number, html: string | undefined, text: string | undefined): EmailView {
  return { kind: 'email', id, receivedAt: '', messageId: undefined, from: '', to: '', subject: '', html, text, headers: [], envelope: { from: '', to: [] }, sizeBytes: 0 };
}

function sms(id: number, body: string): SmsView {
  return { kind: 'sms', id, body } as SmsView;
}

describe('code in the message', () => {
  it('fails the HTML part when a typo swallowed the code there, though the text part has it', () => {
    // Prepare: `<p>Hi {{name}, your code is {{code}}</p>` renders as "Hi"
    const check = checkCodeInMessages('310006', [email(1, '<p>Hi </p>', 'Hi Ada, your code is 310006')], []);

    // Assess
    assert.equal(check.ok, false);
    assert.deepEqual(check.missingFrom, ['email HTML']);
    assert.deepEqual(check.parts.map((p) => [p.part, p.found]), [['email HTML', false], ['email text', true]]);
  });

  it('reads the HTML as displayed: an escaped temporary password counts, markup inside the code does not hide it', () => {
    // Act
    const escaped = checkCodeInMessages('Tq<7>mZ2!', [email(1, '<p>Password: <b>Tq&lt;7&gt;mZ2&#33;</b></p>', 'Password: Tq<7>mZ2!')], []);
    const attributeOnly = checkCodeInMessages('424242', [email(2, '<a href="https://x.test/?c=424242">Confirm</a>', '424242')], []);

    // Assess
    assert.equal(escaped.ok, true, JSON.stringify(escaped));
    assert.equal(attributeOnly.ok, false, 'a code only in an attribute is not something the reader sees');
  });

  it('checks each SMS', () => {
    // Act
    const check = checkCodeInMessages('777777', [], [sms(1, 'Your code is 777777'), sms(2, 'Your code is')]);

    // Assess
    assert.equal(check.ok, false);
    assert.deepEqual(check.parts.map((p) => p.found), [true, false]);
    assert.deepEqual(check.missingFrom, ['SMS']);
  });
});
