/**
 * Twilio: the relay's Messages.json request against the one the official `twilio` SDK sends
 * for the same SMS (its MessageListInstanceCreateOptions type names the fields).
 */
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import type { MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message.js';
import { context, sampleSms } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-oracle-auth-token';
const FROM = '+15557654321';
const MESSAGING_SERVICE = 'MG0123456789abcdef0123456789abcdef';
const CONTENT_SID = 'HX0123456789abcdef0123456789abcdef';

/** What legitimately differs between the two clients. */
const DIFFERENCES = {
  ignoreHeaders: { 'accept-charset': 'the SDK asks for UTF-8 answers; Twilio answers UTF-8 JSON either way' },
};

describe('twilio against the twilio SDK', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued', error_code: null } });
  });
  after(() => capture.close());

  /** The SDK's client with its API domain pointed at the capture server (the domain's `baseUrl`). */
  function sdk() {
    const client = twilio(ACCOUNT_SID, AUTH_TOKEN);
    client.api.baseUrl = capture.url;
    return client;
  }

  async function relay(settings: Record<string, string>) {
    const base = onCapture(await declaredDefault('sms', 'twilio', 'TWILIO_BASE_URL'), capture.url);
    return relayProvider('sms', 'twilio', { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_BASE_URL: base, ...settings });
  }

  async function compare(message: ReturnType<typeof sampleSms>, settings: Record<string, string>, options: MessageListInstanceCreateOptions) {
    const mine = await capture.during(async () => (await relay(settings)).send(message, context()));
    const theirs = await capture.during(() => sdk().messages.create(options));
    assertSameRequest(mine, theirs, DIFFERENCES);
  }

  it('sends a text from a number as the SDK does (Basic SID:token, form body)', async () => {
    const message = sampleSms();
    await compare(message, { TWILIO_FROM: FROM }, { to: message.to, from: FROM, body: message.text });
  });

  it('sends a Content template through a Messaging Service as the SDK does', async () => {
    const message = sampleSms({ hostedTemplate: { id: CONTENT_SID, variables: { code: '482913', user: { given_name: 'Ada' } } } });
    await compare(
      message,
      { TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE },
      {
        to: message.to,
        messagingServiceSid: MESSAGING_SERVICE,
        contentSid: CONTENT_SID,
        // Content variables are strings; nested values are named with dots.
        contentVariables: JSON.stringify({ code: '482913', 'user.given_name': 'Ada' }),
      },
    );
  });
});
