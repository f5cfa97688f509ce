import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, retryAfterMs } from '../../../src/runtime/providers/http.ts';
import { ProviderError } from '../../../src/runtime/errors.ts';
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

describe('request()', () => {
  it('never follows a redirect: the body (with the code) is not re-sent elsewhere', async () => {
    const error = await request({
      provider: 'webhook',
      url: `${redirecting.url}/hook`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: '123456' }),
      signal: AbortSignal.timeout(5000),
      fetch,
    }).then(
      () => assert.fail('should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProviderError);
    assert.equal(error.kind, 'permanent');
    assert.match(error.message, /redirect/);
    assert.equal(target.requests.length, 0, 'the redirect target received nothing');
  });
});

describe('retryAfterMs()', () => {
  it('reads seconds, HTTP dates and rate-limit reset headers', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2' }), now), 2000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Fri, 27 Nov 2026 10:00:05 GMT' }), now), 5000);
    assert.equal(retryAfterMs(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 7) }), now), 7000);
    assert.equal(retryAfterMs(new Headers({ 'x-sib-ratelimit-reset': '3' }), now), 3000);
    assert.equal(retryAfterMs(new Headers({}), now), undefined);
  });
});
