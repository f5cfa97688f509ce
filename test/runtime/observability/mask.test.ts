import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { allEncodedForms, createScrubber, encodedForms, maskEmail, maskPhone, redactContacts, SCRUB_LIMIT } from '../../../src/runtime/observability/mask.ts';
import { ProviderError } from '../../../src/runtime/errors.ts';

const MB = 1024 * 1024;

/** Bodies built to make a backtracking address or number pattern do the most work. */
const HOSTILE_BODIES: Record<string, string> = {
  'base64-like text': 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkrLw'.repeat(Math.ceil(MB / 46)).slice(0, MB),
  'local parts without a domain': 'a.b-c_d+e'.repeat(MB / 9) + '@',
  'at signs without dots': 'ab@cd'.repeat(MB / 5),
  'one long digit run': '9'.repeat(MB),
  'dots after an at sign': `x@${'a.'.repeat(MB / 2)}`,
};

function timed(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

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
    assert.ok(text.includes('a***@example.com'), 'the domain stays, to recognise the recipient');
    assert.ok(text.startsWith('21211 '), 'short error codes are kept');
  });

  it('masks an address followed by a full stop, and one quoted in JSON', () => {
    assert.equal(redactContacts('rejected ada@example.com.'), 'rejected a***@example.com.');
    assert.equal(redactContacts('{"to":"ada@example.com"}'), '{"to":"a***@example.com"}');
  });

  for (const [name, body] of Object.entries(HOSTILE_BODIES)) {
    it(`redacts 1 MB of ${name} in bounded time, cut to a fixed size first`, () => {
      let out = '';
      const ms = timed(() => {
        out = redactContacts(body);
      });
      // The quadratic version took 13–15 s on 120 kB; a linear scan of 8 kB takes well under 1 ms.
      assert.ok(ms < 250, `${ms.toFixed(1)} ms`);
      assert.ok(out.length <= SCRUB_LIMIT + 1);
    });
  }
});

describe('scrubber', () => {
  const API_KEY = 'SG.live-0123456789abcdefABCDEF.xyz';
  // As loadConfig lists them: the key, and the HTTP Basic credentials built with it.
  const scrubber = createScrubber({ secrets: [API_KEY, Buffer.from(`AC123:${API_KEY}`).toString('base64'), 'ab'] });

  it('removes the code, the temporary password and the secrets in every echoed encoding', () => {
    const password = 'Ab1<x>9! &=+/%';
    const texts = scrubber.run(() => {
      scrubber.protect('310006', 'code');
      scrubber.protect(password, 'password');
      scrubber.protect('+14155550123', 'phone');
      scrubber.protect('ada@example.com', 'email');
      return [
        'Body=Your+sign-in+code+is+310006&To=%2B14155550123',
        `{"html":"${JSON.stringify(password).slice(1, -1)}","to":"ada@example.com"}`,
        `<pre>password: Ab1&lt;x&gt;9! &amp;&#x3D;+&#x2F;%</pre>`,
        `q=${encodeURIComponent(password)}&r=${new URLSearchParams({ p: password }).toString()}`,
        `x-api-key: ${API_KEY}; Authorization: Bearer ${API_KEY}`,
        `authorization: Basic ${Buffer.from(`AC123:${API_KEY}`).toString('base64')}`,
        `to=ada%40example.com`,
      ].map((text) => scrubber.scrub(text));
    });
    const all = texts.join('\n');
    for (const leaked of [
      '310006',
      password,
      encodeURIComponent(password),
      new URLSearchParams({ p: password }).toString().slice(2),
      'Ab1&lt;x&gt;9!',
      API_KEY,
      Buffer.from(`AC123:${API_KEY}`).toString('base64'),
      '14155550123',
      'ada@example.com',
      'ada%40example.com',
    ]) {
      assert.ok(!all.includes(leaked), `${leaked} leaked in:\n${all}`);
    }
    assert.match(all, /Body=Your\+sign-in\+code\+is\+\[code\]/, 'the text around stays readable');
  });

  it('does not scrub values too short to be secret, which would erase the explanation', () => {
    assert.equal(scrubber.scrub('bad request about ab'), 'bad request about ab');
  });

  it('forgets the values of an invocation when it ends', () => {
    scrubber.run(() => scrubber.protect('424242', 'code'));
    assert.equal(scrubber.scrub('code 424242'), 'code 424242');
    assert.equal(scrubber.scrub(`key ${API_KEY}`), 'key [secret]', 'configured secrets stay');
  });

  it('finds a value that straddles its own cut, and the start of one that someone else cut', () => {
    const secretAtCut = `${'x'.repeat(SCRUB_LIMIT - 10)}${API_KEY} tail`;
    const scrubbed = scrubber.scrub(secretAtCut);
    assert.ok(!scrubbed.includes(API_KEY.slice(0, 10)), 'no prefix of the key before the cut');
    assert.ok(scrubbed.endsWith('…'));
    // ProviderError cuts provider texts at 500 characters before the relay sees them.
    const out = scrubber.run(() => {
      scrubber.protect('310006', 'code');
      return scrubber.scrub(`twilio failed: ${'y'.repeat(40)} Body=Your+code+is+3100… — check TWILIO_FROM`);
    });
    assert.ok(!out.includes('3100'), out);
  });

  it("scrubs an error in place: message, stack, the provider's text and its causes", () => {
    const inner = new Error('upstream echoed 777123');
    const error = new ProviderError({ provider: 'twilio', kind: 'permanent', status: 400, providerMessage: 'Body=code+777123', cause: inner });
    scrubber.run(() => {
      scrubber.protect('777123', 'code');
      assert.equal(scrubber.scrubError(error), error);
    });
    for (const text of [error.message, error.stack ?? '', error.providerMessage, inner.message, inner.stack ?? '']) {
      assert.ok(!text.includes('777123'), text);
    }
    assert.equal(error.kind, 'permanent', 'the fields delivery reads are kept');
  });

  it('scrubs 1 MB of hostile text with many protected values in bounded time', () => {
    const body = `${'310006'.slice(0, 5)}${'Ab1%3Cx'.repeat(MB / 7)}`;
    const ms = timed(() =>
      scrubber.run(() => {
        scrubber.protect('310006', 'code');
        scrubber.protect('Ab1<x>9!', 'password');
        for (let i = 0; i < 20; i += 1) scrubber.protect(`secret-value-${i}-${'z'.repeat(i * 10)}`, 'secret');
        for (const hostile of [body, ...Object.values(HOSTILE_BODIES)]) scrubber.scrub(hostile);
      }),
    );
    assert.ok(ms < 1_000, `${ms.toFixed(1)} ms for six 1 MB bodies`);
  });
});

describe('encoded forms', () => {
  it('takes its one-form shortcut only where every encoding leaves the value unchanged', () => {
    const safe = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
    const samples = [...safe, '000000', '314159', 'Abc.def-ghi_jkl'];
    for (let i = 0; i < 300; i += 1) {
      samples.push(Array.from({ length: 1 + (i % 24) }, (_, j) => safe[(i * 7 + j * 13) % safe.length]).join(''));
    }
    for (const value of samples) assert.deepEqual(encodedForms(value), allEncodedForms(value), value);
    // Characters some encoding changes take the full path.
    for (const value of ['a~b', 'a%b', 'a b', 'a@b.co', "it's", 'P@ss<w>rd!']) {
      assert.deepEqual(encodedForms(value), allEncodedForms(value), value);
      assert.ok(allEncodedForms(value).length > 1, value);
    }
  });
});
