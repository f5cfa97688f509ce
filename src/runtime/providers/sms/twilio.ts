/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded,
 * Basic auth. Sends from `TWILIO_FROM` or a Messaging Service, or a Content template
 * (`ContentSid` + `ContentVariables`) when one is mapped for the trigger.
 *
 * What each rule follows:
 * - Path, Basic `AccountSid:AuthToken`, form fields, 201 with `sid` [twilio/twilio-oai
 *   spec/json/twilio_api_v2010.json `/2010-04-01/Accounts/{AccountSid}/Messages.json`].
 * - Errors `{code, message, more_info, status}` [https://www.twilio.com/docs/usage/twilios-response];
 *   the code decides:
 *   - 429 / 20429: "never processed and always safe to retry", whatever code the body carries
 *     [https://www.twilio.com/docs/api/errors/20429];
 *   - 21211 invalid 'To' number, 21610 the recipient replied STOP, 21614 'To' cannot receive SMS:
 *     about the recipient [https://www.twilio.com/docs/api/errors/21211, /21610, /21614];
 *   - 21408 "Permission to send an SMS has not been enabled for the region": an account setting
 *     (Messaging Geo Permissions), so another provider may deliver [https://www.twilio.com/docs/api/errors/21408];
 *   - 20003 authentication [https://www.twilio.com/docs/api/errors/20003].
 * - No idempotency: retrying a send may deliver twice [https://www.twilio.com/docs/api/errors/20500].
 */
import * as v from 'valibot';
import { basicAuth, baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, optional, required } from '../common/settings.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from?: string | undefined;
  messagingServiceSid?: string | undefined;
  baseUrl: string;
  fetch: FetchLike;
}

/**
 * Twilio error codes that are safe to retry (20429: too many concurrent requests, "never
 * processed") and those that say what to fix.
 */
const RETRYABLE_CODES = new Set([20429, 20500, 20503, 30001]);
/** Errors about the number itself: another provider cannot deliver either. */
const RECIPIENT_CODES = new Set([21211, 21610, 21614]);
const HINTS: Record<number, string> = {
  20003: 'check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
  21211: "the user's phone_number is not a valid phone number",
  21408: 'SMS to this country is not enabled in the Messaging Geo Permissions of the Twilio account',
  21606: 'TWILIO_FROM is not an SMS-capable number of this account',
  21610: 'the recipient replied STOP to this sender; they must reply START to receive messages again',
  21614: 'the recipient number cannot receive SMS',
};

export function twilioForm(message: SmsMessage, options: Pick<TwilioOptions, 'from' | 'messagingServiceSid'>): URLSearchParams {
  const form = new URLSearchParams();
  form.set('To', message.to);
  if (options.messagingServiceSid) form.set('MessagingServiceSid', options.messagingServiceSid);
  else if (options.from) form.set('From', options.from);
  if (message.hostedTemplate) {
    form.set('ContentSid', message.hostedTemplate.id);
    form.set('ContentVariables', JSON.stringify(stringValues(message.hostedTemplate.variables)));
  } else {
    form.set('Body', message.text);
  }
  return form;
}

/** Content variables must be strings; nested objects are flattened with dots (`user.given_name`). */
function stringValues(variables: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') Object.assign(out, stringValues(value as Record<string, unknown>, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = String(value);
  }
  return out;
}

const PROFILE: HttpProfile = { provider: 'twilio', hint: (status) => (status === 401 ? HINTS[20003] : undefined) };

export function createTwilio(options: TwilioOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = basicAuth(options.accountSid, options.authToken);
  return {
    name: 'twilio',
    channel: 'sms',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'twilio',
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: twilioForm(message, options),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (answer.ok) return { provider: 'twilio', messageId: answer.json<{ sid?: string }>()?.sid };
      const error = answer.json<{ code?: unknown; message?: string }>();
      const code = typeof error?.code === 'number' ? error.code : undefined;
      throw httpFailure(answer, PROFILE, {
        kind:
          answer.status === 429 || answer.status >= 500 || (code !== undefined && RETRYABLE_CODES.has(code))
            ? 'retryable'
            : 'permanent',
        providerCode: code === undefined ? undefined : String(code),
        // The code first, as Twilio's docs index them ("21211 The 'To' number … is not valid").
        providerMessage: error?.message ? `${code ?? ''} ${error.message}`.trim() : undefined,
        hint: code === undefined ? undefined : HINTS[code],
        recipient: code !== undefined && RECIPIENT_CODES.has(code),
      });
    },
  };
}

const schema = v.object({
  TWILIO_ACCOUNT_SID: required('TWILIO_ACCOUNT_SID'),
  TWILIO_AUTH_TOKEN: required('TWILIO_AUTH_TOKEN'),
  TWILIO_FROM: optional(),
  TWILIO_MESSAGING_SERVICE_SID: optional(),
  TWILIO_BASE_URL: baseUrlSetting('TWILIO_BASE_URL', 'https://api.twilio.com'),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'twilio',
  channel: 'sms',
  settings: [
    { env: 'TWILIO_ACCOUNT_SID', required: true, description: 'the Account SID (AC…)' },
    { env: 'TWILIO_AUTH_TOKEN', required: true, secret: true, description: 'the auth token of that account' },
    { env: 'TWILIO_FROM', description: 'the sending phone number in E.164 or an alphanumeric sender ID' },
    { env: 'TWILIO_MESSAGING_SERVICE_SID', description: 'a Messaging Service SID (MG…), used instead of TWILIO_FROM' },
    { env: 'TWILIO_BASE_URL', default: 'https://api.twilio.com', description: 'API base URL' },
  ],
  schema,
  // Content API templates: `HX` and 32 hex digits [twilio_api_v2010.json `ContentSid`].
  hostedTemplateId: { pattern: /^HX[0-9a-f]{32}$/i, example: 'HX0123456789abcdef0123456789abcdef' },
  validate: (settings) =>
    settings.TWILIO_FROM || settings.TWILIO_MESSAGING_SERVICE_SID
      ? []
      : ['TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required by the twilio provider: who the SMS comes from'],
  create: (settings, deps) =>
    createTwilio({
      accountSid: settings.TWILIO_ACCOUNT_SID,
      authToken: settings.TWILIO_AUTH_TOKEN,
      from: settings.TWILIO_FROM,
      messagingServiceSid: settings.TWILIO_MESSAGING_SERVICE_SID,
      baseUrl: settings.TWILIO_BASE_URL,
      fetch: deps.fetch,
    }),
};
export default definition;
