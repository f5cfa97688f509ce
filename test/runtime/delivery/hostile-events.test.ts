/**
 * Property-based: malformed and hostile events through the real pipeline never reach a
 * provider, never crash the relay, and always fail with a named RelayError that says which field
 * or which check. Each event starts from a genuine, deliverable one (a real Cognito-format
 * ciphertext) and gets mutations that each make it invalid, so a send can only mean a missing
 * check. Runs are bounded in count and time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startHarness, type Harness } from '../../support/harness.ts';
import type { Bootstrapped } from '../../../src/runtime/core/bootstrap.ts';
import { EventError, RelayError } from '../../../src/runtime/errors.ts';

let h: Harness;
let relay: Bootstrapped['relay'];
let lookups = 0;
const PLAINTEXT = '918273';
let ciphertext = '';
let otherPoolCiphertext = '';

before(async () => {
  h = await startHarness();
  ({ relay } = await h.relay(
    { EMAIL_PROVIDERS: 'sendgrid,smtp' },
    {
      // A hostile event must not reach Cognito either; counted, and answers nothing useful.
      lookupUser: async () => {
        lookups += 1;
        return {};
      },
    },
  ));
  ciphertext = await h.encrypt(PLAINTEXT);
  otherPoolCiphertext = await h.encrypt(PLAINTEXT, { userPoolId: 'eu-west-1_Other999' });
});
after(async () => {
  await h.close();
});

type Event = Record<string, unknown> & { request: Record<string, unknown> };
type Mutation = (event: Event) => void;

function validEvent(triggerSource: string): Event {
  return structuredClone(h.event(triggerSource, ciphertext)) as unknown as Event;
}

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constant(JSON.parse('{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}')),
);

const nonEmptyJunkString = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constant('\r\nBcc: evil@example.com'), fc.constant('x'.repeat(10_000)));

/** Corrupts the ciphertext: every corruption must be caught by a check or by decryption. */
const corruptCode = fc.oneof(
  // One flipped bit anywhere in the ESDK message.
  fc.nat().chain((n) =>
    fc.integer({ min: 0, max: 7 }).map((bit) => (event: Event) => {
      const bytes = Buffer.from(ciphertext, 'base64');
      const at = n % bytes.length;
      bytes[at] = (bytes[at] as number) ^ (1 << bit);
      event.request.code = bytes.toString('base64');
    }),
  ),
  // Truncated.
  fc.nat().map((n) => (event: Event) => {
    const bytes = Buffer.from(ciphertext, 'base64');
    event.request.code = bytes.subarray(0, n % bytes.length).toString('base64');
  }),
  // Random bytes, as base64.
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((bytes) => (event: Event) => {
    event.request.code = Buffer.from(bytes).toString('base64');
  }),
  // Not base64, or not a string at all.
  fc.oneof(fc.string({ maxLength: 50 }), junk).map((value) => (event: Event) => {
    event.request.code = value;
  }),
  // A genuine code, bound to another user pool.
  fc.constant((event: Event) => {
    event.request.code = otherPoolCiphertext;
  }),
  // Huge.
  fc.constant((event: Event) => {
    event.request.code = Buffer.alloc(200_000, 1).toString('base64');
  }),
);

/** Each mutation makes the event invalid on its own. */
const invalidating: fc.Arbitrary<Mutation> = fc.oneof(
  corruptCode,
  fc.oneof(junk, nonEmptyJunkString.filter((s) => !/^Custom(Email|SMS)Sender_[A-Za-z]+$/.test(s))).map((value) => (event: Event) => {
    event.triggerSource = value;
  }),
  fc.oneof(junk, fc.constant('')).map((value) => (event: Event) => {
    event.region = value;
  }),
  fc.oneof(junk, fc.constant(''), nonEmptyJunkString.filter((s) => !/^[\w-]+_[0-9a-zA-Z]+$/.test(s))).map((value) => (event: Event) => {
    event.userPoolId = value;
  }),
  // A different, well-formed pool: the code is bound to the original one.
  fc.stringMatching(/^[a-z]{2}-[a-z]+-[1-9]_[A-Za-z0-9]{9}$/).filter((p) => p !== 'eu-west-1_AbCdEf123').map((pool) => (event: Event) => {
    event.userPoolId = pool;
  }),
  fc.oneof(junk, fc.string({ maxLength: 30 })).filter((v) => v !== 'customEmailSenderRequestV1').map((value) => (event: Event) => {
    event.request.type = value;
  }),
  fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.anything(), { maxLength: 2 })).map((value) => (event: Event) => {
    (event as Record<string, unknown>).request = value;
  }),
  fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.string(), { maxLength: 2 })).map((value) => (event: Event) => {
    event.request.userAttributes = value;
  }),
  fc.oneof(fc.integer(), fc.object({ maxDepth: 1 }), fc.constant(null)).map((value) => (event: Event) => {
    (event.request.userAttributes as Record<string, unknown>).email = value;
  }),
  fc.oneof(fc.integer(), fc.object({ maxDepth: 1 }), fc.boolean()).map((value) => (event: Event) => {
    event.request.clientMetadata = { locale: value };
  }),
  fc.oneof(fc.integer(), fc.boolean(), fc.object({ maxDepth: 1 })).map((value) => (event: Event) => {
    event.userName = value;
  }),
);

/** Mutations that are hostile but harmless on their own, mixed in to vary the rest of the event. */
const noise: fc.Arbitrary<Mutation> = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 12 }), fc.anything({ maxDepth: 1 }), { maxKeys: 3 }).map((extra) => (event: Event) => {
    Object.assign(event, extra);
  }),
  nonEmptyJunkString.map((value) => (event: Event) => {
    (event.request.userAttributes as Record<string, unknown>).given_name = value;
  }),
  fc.constant((event: Event) => {
    delete event.callerContext;
  }),
);

let emailTriggers: string[] = [];
let smsTriggers: string[] = [];

describe('hostile events (property-based)', () => {
  before(async () => {
    const { TRIGGERS } = await import('../../../src/runtime/cognito/triggers.ts');
    emailTriggers = TRIGGERS.filter((t) => t.channel === 'email' && t.needsCode).map((t) => t.source);
    smsTriggers = TRIGGERS.filter((t) => t.channel === 'sms').map((t) => t.source);
  });

  it('the unmutated event is delivered (so every rejection below is down to the mutation)', async () => {
    const before = h.sendgrid.requests.length;
    await relay.handle(validEvent('CustomEmailSender_SignUp'));
    assert.equal(h.sendgrid.requests.length, before + 1);
  });

  it('rejects events with invalid fields: no provider call, no crash, a named error', async () => {
    const provider = () => h.sendgrid.requests.length + h.twilio.requests.length + h.inbox.messages.length;
    const sentBefore = provider();
    const property = fc.asyncProperty(
      fc.constantFrom(...emailTriggers, ...smsTriggers),
      fc.array(invalidating, { minLength: 1, maxLength: 3 }),
      fc.array(noise, { maxLength: 2 }),
      async (triggerSource, mutations, extra) => {
        const event = validEvent(triggerSource);
        for (const mutate of [...extra, ...mutations]) {
          try {
            mutate(event);
          } catch {
            // An earlier mutation already replaced the object this one edits: still invalid.
          }
        }
        const error = await relay.handle(event).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof RelayError, `expected a RelayError, got ${String(error)}`);
        assert.ok(error.code.length > 0);
        assert.ok(error.message.length > 10, error.message);
        if (error instanceof EventError) assert.ok(error.message.includes(error.field), error.message);
        assert.ok(!error.message.includes(PLAINTEXT), 'the code never appears in an error');
        assert.ok(!error.message.includes(ciphertext.slice(0, 40)), 'nor the ciphertext');
      },
    );
    await fc.assert(property, { numRuns: 250, interruptAfterTimeLimit: 20_000 });
    assert.equal(provider(), sentBefore, 'no provider was called');
  });

  // Found by the property above: valibot's record() accepts arrays, so this reached the
  // AdminGetUser lookup (and, with a valid code, would be delivered to whoever Cognito returns).
  it('rejects userAttributes given as an array before asking Cognito for the user', async () => {
    const lookupsBefore = lookups;
    const event = validEvent('CustomEmailSender_SignUp');
    event.request.userAttributes = ['ada@example.com'];
    await assert.rejects(relay.handle(event), (error: EventError) => {
      assert.ok(error instanceof EventError, String(error));
      assert.equal(error.field, 'request.userAttributes');
      return true;
    });
    assert.equal(lookups, lookupsBefore);
  });

  it('rejects anything that is not an event object at all', async () => {
    const sentBefore = h.sendgrid.requests.length + h.twilio.requests.length;
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 3 }), async (raw) => {
        const error = await relay.handle(raw).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof EventError, `expected an EventError, got ${String(error)}`);
        assert.ok(error.message.includes(error.field));
      }),
      { numRuns: 300, interruptAfterTimeLimit: 10_000 },
    );
    assert.equal(h.sendgrid.requests.length + h.twilio.requests.length, sentBefore);
  });
});
