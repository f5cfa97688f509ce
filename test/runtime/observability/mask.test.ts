import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskEmail, maskPhone, redactContacts } from '../../../src/runtime/observability/mask.ts';

describe('masking', () => {
  it('keeps just enough of an address or number to recognise it', () => {
    assert.equal(maskEmail('ada.lovelace@example.com'), 'a***@example.com');
    assert.equal(maskPhone('+447700900123'), '+44*******123');
  });

  it('masks addresses and numbers inside provider texts, with or without the +', () => {
    const text = redactContacts("21211 The 'To' number 4155550123 is not valid; +447700900123 and ada@example.com too");
    assert.ok(!text.includes('4155550123'));
    assert.ok(!text.includes('447700900123'));
    assert.ok(!text.includes('ada@example.com'));
    assert.ok(text.startsWith('21211 '), 'short error codes are kept');
  });
});
