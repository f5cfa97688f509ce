import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { httpFailure, request, waitFor, type HttpAnswer } from '../../../src/runtime/providers/http.ts';
import { nodeTransport } from '../../../src/runtime/providers/transport.ts';
import { PROVIDER_TEXT_LIMIT, ProviderError } from '../../../src/runtime/errors.ts';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.ts';

let target: FakeProvider;
let redirecting: FakeProvider;
before(async () => {
  target = await startFakeProvider({ status: 200, body: { ok: true } });
  redirecting = await startFakeProvider({ status: 307, headers: { location: `${target.url}/elsewhere` } });
});
after(async () => {
  await Promise.all([target.close(), redirecting.close()]);
});

function answer(status: number, headers: Record<string, string> = {}, text = ''): HttpAnswer {
  const h = new Headers(headers);
  return { status, ok: status < 300, headers: h, text, json: () => undefined };
}

describe('request()', () => {
  for (const [client, fetchLike] of [['fetch', fetch], ['nodeTransport', nodeTransport]] as const) {
    it(`never follows a redirect (${client}): the body (with the code) is not re-sent elsewhere`, async () => {
      const error = await request({
        provider: 'webhook',
        url: `${redirecting.url}/hook`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: '123456' }),
        signal: AbortSignal.timeout(5000),
        fetch: fetchLike,
      }).then(
        () => assert.fail('should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'permanent');
      assert.match(error.message, /redirect/);
      assert.equal(target.requests.length, 0, 'the redirect target received nothing');
    });
  }

  it('reads at most PROVIDER_TEXT_LIMIT of an error body, and masks contacts only in that cut, fast', async () => {
    // A hostile 1 MB error page: digits and address-like text everywhere.
    const page = `ada@example.com ${'a1@b2.c3 +1415555012 '.repeat(60_000)}`;
    const server = await startFakeProvider({ status: 500, headers: { 'content-type': 'text/html' }, body: page });
    try {
      const started = performance.now();
      const got = await request({ provider: 'sendgrid', url: server.url, headers: {}, body: '{}', signal: AbortSignal.timeout(5000), fetch: nodeTransport });
      assert.equal(got.text.length, PROVIDER_TEXT_LIMIT);
      const error = httpFailure(got, { provider: 'sendgrid' });
      assert.ok(performance.now() - started < 1_000, `took ${performance.now() - started} ms`);
      assert.doesNotMatch(error.message, /ada@example\.com/);
      assert.ok(error.providerMessage.length <= 501);
    } finally {
      await server.close();
    }
  });
});

describe('ProviderError', () => {
  it('masks only the first PROVIDER_TEXT_LIMIT characters of whatever text it is given (an SDK message, a huge page)', () => {
    const hostile = `+14155550123 ${'x1@y2.z3 '.repeat(120_000)}`;
    const started = performance.now();
    const error = new ProviderError({ provider: 'ses', kind: 'permanent', providerMessage: hostile });
    assert.ok(performance.now() - started < 500, `took ${performance.now() - started} ms`);
    assert.doesNotMatch(error.message, /\+14155550123/);
    assert.ok(error.providerMessage.length <= 501);
  });

  it('keeps the wait and its source together: no source without a wait', () => {
    const error = new ProviderError({ provider: 'x', kind: 'retryable', providerMessage: 'busy', retryAfterSource: 'Retry-After' });
    assert.equal(error.retryAfterMs, undefined);
    assert.equal(error.retryAfterSource, undefined);
  });
});

describe('waitFor()', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('reads Retry-After as seconds or an HTTP date, naming the header', () => {
    assert.deepEqual(waitFor(answer(429, { 'retry-after': '2' }), undefined, now), { ms: 2000, source: 'Retry-After' });
    assert.deepEqual(waitFor(answer(503, { 'retry-after': 'Fri, 27 Nov 2026 10:00:05 GMT' }), undefined, now), { ms: 5000, source: 'Retry-After' });
    assert.equal(waitFor(answer(429), undefined, now), undefined);
  });

  it("reads the provider's reset header on a 429 only, in its unit", () => {
    const sendgrid = { name: 'X-RateLimit-Reset', unit: 'epoch' } as const;
    const brevo = { name: 'x-sib-ratelimit-reset', unit: 'seconds' } as const;
    assert.deepEqual(waitFor(answer(429, { 'x-ratelimit-reset': String(now / 1000 + 7) }), sendgrid, now), { ms: 7000, source: 'X-RateLimit-Reset' });
    assert.deepEqual(waitFor(answer(429, { 'x-sib-ratelimit-reset': '3' }), brevo, now), { ms: 3000, source: 'x-sib-ratelimit-reset' });
    // On every other answer the reset says when the quota window ends, not "wait".
    assert.equal(waitFor(answer(500, { 'x-ratelimit-reset': String(now / 1000 + 60) }), sendgrid, now), undefined);
    assert.equal(waitFor(answer(503, { 'x-sib-ratelimit-reset': '60' }), brevo, now), undefined);
  });

  it('gives the ProviderError the wait and the header it came from', () => {
    const error = httpFailure(answer(429, { 'retry-after': '30' }, '{"message":"slow down"}'), { provider: 'resend' });
    assert.equal(error.retryAfterMs, 30_000);
    assert.equal(error.retryAfterSource, 'Retry-After');
    assert.equal(error.providerMessage, 'slow down');
  });
});
