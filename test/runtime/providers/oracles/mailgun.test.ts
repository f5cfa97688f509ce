/**
 * Mailgun: the relay's Messages API request against the one the official `mailgun.js` SDK
 * builds (with the `form-data` package it is documented to take) for the same message.
 */
import { after, before, describe, it } from 'node:test';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import type { MailgunMessageData } from 'mailgun.js/definitions';
import { context, sampleEmail } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const API_KEY = 'key-oracle-test';
const DOMAIN = 'mg.example.com';

/** What legitimately differs between the two clients. */
const DIFFERENCES = {
  // Mailgun takes the Messages API as either form encoding (its own curl examples post
  // multipart, its Python examples url-encoded); mailgun.js always builds multipart for attachments.
  mediaTypesMayDiffer: 'both form encodings carry the same fields',
};

describe('mailgun against mailgun.js', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 200, body: { id: '<20260101.1@mg.example.com>', message: 'Queued. Thank you.' } });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its documented `url` option (as for the EU region). */
  function sdk() {
    return new Mailgun(FormData as never).client({ username: 'api', key: API_KEY, url: capture.url });
  }

  async function relay() {
    const base = onCapture(await declaredDefault('email', 'mailgun', 'MAILGUN_BASE_URL'), capture.url);
    return relayProvider('email', 'mailgun', { MAILGUN_API_KEY: API_KEY, MAILGUN_DOMAIN: DOMAIN, MAILGUN_BASE_URL: base });
  }

  async function both(message: ReturnType<typeof sampleEmail>, data: MailgunMessageData) {
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() => sdk().messages.create(DOMAIN, data));
    return { mine, theirs };
  }

  /** Options every send carries: reply-to header, tags, tracking off, user variables for webhooks. */
  const options = (message: ReturnType<typeof sampleEmail>) => ({
    'h:Reply-To': message.replyTo!,
    'o:tag': message.tags,
    'o:tracking': 'no' as const,
    'o:tracking-clicks': 'no' as const,
    'o:tracking-opens': 'no' as const,
    ...Object.fromEntries(Object.entries(message.metadata).map(([key, value]) => [`v:${key}`, value])),
  });

  it('sends plain content as the SDK does (path with the domain, Basic api:key, the same fields)', async () => {
    const message = sampleEmail();
    const { mine, theirs } = await both(message, {
      from: `${message.from.name} <${message.from.email}>`,
      to: [message.to],
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...options(message),
    });
    assertSameRequest(mine, theirs, DIFFERENCES);
  });

  it('sends a stored template with its variables as the SDK does', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    const message = sampleEmail({ hostedTemplate: { id: 'otp-code', variables } });
    const { mine, theirs } = await both(message, {
      from: `${message.from.name} <${message.from.email}>`,
      to: [message.to],
      template: 'otp-code',
      't:variables': JSON.stringify(variables),
      ...options(message),
    });
    assertSameRequest(mine, theirs, DIFFERENCES);
  });
});
