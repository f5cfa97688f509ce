/** The circuit breaker on its own, with a hand-driven clock. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCircuitBreakers } from '../../../src/runtime/delivery/circuit-breaker.ts';

function breakers(threshold = 3, cooldownMs = 30_000) {
  let now = 1_000_000;
  const b = createCircuitBreakers({ threshold, cooldownMs, now: () => now });
  return { b, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('opens on the threshold-th consecutive failure, not before; a success starts the count again', () => {
    const { b } = breakers(3);
    assert.equal(b.failure('sendgrid'), false);
    assert.equal(b.failure('sendgrid'), false);
    b.success('sendgrid');
    assert.equal(b.failure('sendgrid'), false);
    assert.equal(b.failure('sendgrid'), false);
    assert.equal(b.state('sendgrid'), 'closed');
    assert.equal(b.failure('sendgrid'), true);
    assert.equal(b.state('sendgrid'), 'open');
    assert.equal(b.admit('sendgrid'), undefined);
    assert.equal(b.state('smtp'), 'closed', 'per provider');
  });

  it('admits exactly one trial when half-open, however many callers ask', () => {
    const { b, advance } = breakers(1, 30_000);
    b.failure('sendgrid');
    advance(30_000);
    assert.equal(b.state('sendgrid'), 'half-open');
    const admitted = [b.admit('sendgrid'), b.admit('sendgrid'), b.admit('sendgrid')].filter(Boolean);
    assert.equal(admitted.length, 1);
    assert.equal(b.state('sendgrid'), 'open', 'others see it open while the trial runs');
  });

  it('opens again for a full cool-down when the trial fails, and closes when it succeeds', () => {
    const { b, advance } = breakers(1, 30_000);
    b.failure('sendgrid');
    advance(30_000);
    b.admit('sendgrid');
    assert.equal(b.failure('sendgrid'), true);
    advance(29_999);
    assert.equal(b.state('sendgrid'), 'open');
    advance(1);
    b.admit('sendgrid');
    b.success('sendgrid');
    assert.equal(b.state('sendgrid'), 'closed');
    assert.ok(b.admit('sendgrid') && b.admit('sendgrid'), 'closed admits everyone');
  });

  it('frees the trial for the next caller when it ends without a verdict (a permanent answer)', () => {
    const { b, advance } = breakers(1, 1_000);
    b.failure('sendgrid');
    advance(1_000);
    const trial = b.admit('sendgrid');
    trial?.done();
    assert.equal(b.state('sendgrid'), 'half-open');
    assert.ok(b.admit('sendgrid'));
  });

  it('does not let an old trial free a newer one', () => {
    const { b, advance } = breakers(1, 1_000);
    b.failure('sendgrid');
    advance(1_000);
    const first = b.admit('sendgrid');
    b.failure('sendgrid');
    advance(1_000);
    const second = b.admit('sendgrid');
    assert.ok(second);
    first?.done();
    assert.equal(b.admit('sendgrid'), undefined, 'the second trial still holds it');
  });
});
