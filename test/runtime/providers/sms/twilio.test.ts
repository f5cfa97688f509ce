import { after, before, describe, it } from 'node:test';
import { nodeTransport } from '../../../../src/runtime/providers/transport.ts';
import assert from 'node:assert/strict';
import { createTwilio } from '../../../../src/runtime/providers/sms/twilio.ts';
import { formToObject, specValidator } from '../../../support/openapi.ts';
import { startFakeProvider, type FakeProvider } from '../../../support/fake-provider.ts';
import { providerContract } from '../contract.ts';
import { context, sampleSms } from '../messages.ts';

const SID = 'SM1234567890abcdef1234567890abcdef';
const created = { status: 201, body: { sid: SID, status: 'queued', error_code: null } };
const create = (url: string) =>
  createTwilio({ accountSid: 'AC00000000000000000000000000000000', authToken: 'token', from: '+14155550100', baseUrl: url, fetch: nodeTransport });
const twilioError = (status: number, code: number, message: string, headers?: Record<string, string>) => ({
  status,
  headers,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});

providerContract({
  name: 'twilio',
  create,
  message: () => sampleSms(),
  success: { response: created, messageId: SID },
  error: (status, text, headers) => twilioError(status, status === 401 ? 20003 : status === 429 ? 20429 : status === 400 ? 21211 : 20500, text, headers),
  authHint: /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/,
  documented: [
    {
      name: "the 'To' number is not a valid phone number (400, 21211)",
      source: 'https://www.twilio.com/docs/api/errors/21211',
      response: twilioError(400, 21211, "The 'To' number +1415555012 is not a valid phone number."),
      kind: 'permanent',
      recipient: true,
      providerCode: '21211',
    },
    {
      name: 'too many concurrent requests (429, 20429): never processed, always safe to retry',
      source: 'https://www.twilio.com/docs/api/errors/20429',
      response: twilioError(429, 20429, 'Too Many Requests'),
      kind: 'retryable',
    },
    {
      name: 'SMS to the region is not enabled in Messaging Geo Permissions (400, 21408): an account setting, so fail over',
      source: 'https://www.twilio.com/docs/api/errors/21408',
      response: twilioError(400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +4477009001."),
      kind: 'permanent',
      recipient: false,
      text: /Geo Permissions/,
      providerCode: '21408',
    },
  ],
  cases: [
    {
      name: 'a 429 carries a code that is not in the retryable list: a 429 is never processed, whatever its code',
      response: twilioError(429, 14107, 'Message rate limit exceeded'),
      kind: 'retryable',
    },
    {
      name: 'the recipient replied STOP (21610)',
      response: twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'),
      kind: 'permanent',
      text: /START/,
      recipient: true,
    },
  ],
});

describe('twilio (hosted templates)', () => {
  let fake: FakeProvider;
  before(async () => {
    fake = await startFakeProvider(created);
  });
  after(() => fake.close());
  const checkSpec = specValidator(
    'twilio/twilio_api_v2010.json',
    '/2010-04-01/Accounts/{AccountSid}/Messages.json',
    'post',
    'application/x-www-form-urlencoded',
  );

  it('sends a Content template (ContentSid + ContentVariables) instead of Body, valid against the Twilio spec', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    await create(fake.url).send(sampleSms({ hostedTemplate: { id: 'HX0123456789abcdef0123456789abcdef', variables } }), context());
    const form = formToObject(fake.requests.at(-1)!.body);
    assert.deepEqual(checkSpec(form), []);
    assert.equal(form.ContentSid, 'HX0123456789abcdef0123456789abcdef');
    assert.deepEqual(JSON.parse(String(form.ContentVariables)), { code: '482913', 'user.given_name': 'Ada' });
    assert.equal(form.Body, undefined);
  });
});
