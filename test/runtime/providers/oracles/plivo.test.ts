/**
 * Plivo: the relay's Message request against the one the official `plivo` SDK sends for the
 * same SMS.
 */
import { after, before, describe, it } from 'node:test';
import plivo from 'plivo';
import { context, sampleSms } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const AUTH_ID = 'MAXXXXXXXXXXXXXXXXXX';
const AUTH_TOKEN = 'plivo-oracle-auth-token';
const FROM = '+15557654321';
const POWERPACK = 'd35f2e82-d387-427f-8594-6fa07613c43a';

describe('plivo against the plivo SDK', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 202, body: { api_id: 'db342550-7f1d-11e1-8ea7-1231380bc196', message: 'message(s) queued', message_uuid: ['db3ce55a-7f1d-11e1-8ea7-1231380bc196'] } });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its `url` option (the account's API root). */
  const sdk = () => new plivo.Client(AUTH_ID, AUTH_TOKEN, { url: `${capture.url}/v1/Account/${AUTH_ID}` });

  async function relay(settings: Record<string, string>) {
    const base = onCapture(await declaredDefault('sms', 'plivo', 'PLIVO_BASE_URL'), capture.url);
    return relayProvider('sms', 'plivo', { PLIVO_AUTH_ID: AUTH_ID, PLIVO_AUTH_TOKEN: AUTH_TOKEN, PLIVO_BASE_URL: base, ...settings });
  }

  it('sends a text from a number as the SDK does (Basic auth_id:token, JSON, trailing slash)', async () => {
    const message = sampleSms();
    const mine = await capture.during(async () => (await relay({ PLIVO_FROM: FROM })).send(message, context()));
    const theirs = await capture.during(() => sdk().messages.create(FROM, message.to, message.text, { type: 'sms' }));
    assertSameRequest(mine, theirs);
  });

  it('sends through a Powerpack as the SDK does', async () => {
    const message = sampleSms();
    const mine = await capture.during(async () => (await relay({ PLIVO_POWERPACK_UUID: POWERPACK })).send(message, context()));
    const theirs = await capture.during(() => sdk().messages.create(null, message.to, message.text, { type: 'sms' }, POWERPACK));
    assertSameRequest(mine, theirs);
  });
});
