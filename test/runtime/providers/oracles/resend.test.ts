/**
 * Resend: the relay's POST /emails against the one the official `resend` SDK sends for the same
 * message, Idempotency-Key included (the SDK's `idempotencyKey` request option).
 */
import { after, before, describe, it } from 'node:test';
import { Resend, type CreateEmailOptions } from 'resend';
import { IDEMPOTENCY_KEY, context, sampleEmail } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const API_KEY = 're_oracle_test';
const WIRE = { idempotencyHeader: 'idempotency-key' };

describe('resend against the resend SDK', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 200, body: { id: '49a3999c-0ce1-4ea6-ab68-afcd6dc2e794' } });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its documented `baseUrl` option. */
  const sdk = () => new Resend(API_KEY, { baseUrl: capture.url });

  async function relay() {
    const base = onCapture(await declaredDefault('email', 'resend', 'RESEND_BASE_URL'), capture.url);
    return relayProvider('email', 'resend', { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: base });
  }

  const common = (message: ReturnType<typeof sampleEmail>) => ({
    from: `${message.from.name} <${message.from.email}>`,
    to: [message.to],
    replyTo: message.replyTo!,
    // Tag names and values: ASCII letters, digits, _ and - only.
    tags: [
      { name: 'category', value: message.tags[0]! },
      { name: 'userPoolId', value: message.metadata.userPoolId! },
      { name: 'sub', value: message.metadata.sub! },
    ],
  });

  async function compare(message: ReturnType<typeof sampleEmail>, email: CreateEmailOptions) {
    const mine = await capture.during(async () => (await relay()).send(message, context()), WIRE);
    const theirs = await capture.during(() => sdk().emails.send(email, { idempotencyKey: IDEMPOTENCY_KEY }), WIRE);
    assertSameRequest(mine, theirs);
  }

  it('sends plain content as the SDK does (Bearer key, JSON, Idempotency-Key)', async () => {
    const message = sampleEmail();
    await compare(message, { ...common(message), subject: message.subject, html: message.html, text: message.text });
  });

  it('sends a published template with flat variables as the SDK does', async () => {
    const message = sampleEmail({ hostedTemplate: { id: 'otp-code', variables: { code: '482913', user: { given_name: 'Ada' } } } });
    await compare(message, { ...common(message), template: { id: 'otp-code', variables: { code: '482913', user_given_name: 'Ada' } } });
  });
});
