/**
 * Vonage: the relay's SMS API request against the one the official SDK sends for the same SMS.
 * `@vonage/sms` is the SMS client `@vonage/server-sdk` bundles (`vonage.sms`), installed alone
 * to spare the other 15 API clients (2.3 MB instead of 19 MB).
 */
import { after, before, describe, it } from 'node:test';
import { Auth } from '@vonage/auth';
import { SMS, TypeEnum, type SMSParams } from '@vonage/sms';
import { context, sampleSms } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const API_KEY = 'abcd1234';
const API_SECRET = 'vonage-oracle-secret';
const FROM = 'Acme';

/** What legitimately differs between the two clients. */
const DIFFERENCES = {
  // The SMS API takes the same parameters as a form or as JSON (sms.yml declares both); the SDK
  // posts JSON, the relay a form. Compared by meaning: every value as the string a form carries.
  mediaTypesMayDiffer: 'form and JSON carry the same parameters',
  bodiesAsFormValues: 'a form carries strings only',
};

describe('vonage against the Vonage SMS SDK', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({
      status: 200,
      body: { 'message-count': '1', messages: [{ to: '14155550123', 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14159265', 'message-price': '0.03330000', network: '12345' }] },
    });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its documented `restHost` option. */
  const sdk = () => new SMS(new Auth({ apiKey: API_KEY, apiSecret: API_SECRET }), { restHost: capture.url });

  async function relay() {
    const base = onCapture(await declaredDefault('sms', 'vonage', 'VONAGE_BASE_URL'), capture.url);
    return relayProvider('sms', 'vonage', { VONAGE_API_KEY: API_KEY, VONAGE_API_SECRET: API_SECRET, VONAGE_FROM: FROM, VONAGE_BASE_URL: base });
  }

  async function compare(message: ReturnType<typeof sampleSms>, params: SMSParams) {
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() => sdk().send(params));
    assertSameRequest(mine, theirs, DIFFERENCES);
  }

  it('sends a GSM text as the SDK does (Basic key:secret, no secret in the body)', async () => {
    const message = sampleSms();
    // The SMS API wants the number as digits, without the leading +.
    await compare(message, { from: FROM, to: message.to.slice(1), text: message.text, clientRef: message.tags[0]! });
  });

  it('marks a text outside the GSM alphabet as unicode as the SDK does', async () => {
    const message = sampleSms({ text: 'Ваш код 482913' });
    await compare(message, { from: FROM, to: message.to.slice(1), text: message.text, type: TypeEnum.UNICODE, clientRef: message.tags[0]! });
  });
});
