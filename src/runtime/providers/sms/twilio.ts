/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded,
 * Basic auth. Sends from `TWILIO_FROM` or a Messaging Service, or a Content template
 * (`ContentSid` + `ContentVariables`) when one is mapped for the trigger.
 */
import { ProviderError } from '../../errors.ts';
import { basicAuth, baseUrl, request, type FetchLike } from '../http.ts';
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
const RECIPIENT_CODES = new Set([21211, 21610, 21614, 21408]);
const HINTS: Record<number, string> = {
  20003: 'check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
  21211: "the user's phone_number is not a valid phone number",
  21408: 'SMS to this country is not enabled in your Twilio geo permissions',
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

export function createTwilio(options: TwilioOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = basicAuth(options.accountSid, options.authToken);
  return {
    name: 'twilio',
    channel: 'sms',
    async send(message, ctx) {
      try {
        const response = await request({
          provider: 'twilio',
          url,
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: twilioForm(message, options),
          signal: ctx.signal,
          fetch: options.fetch,
          describeError: (body) => {
            try {
              const parsed = JSON.parse(body) as { code?: number; message?: string };
              return `${parsed.code ?? ''} ${parsed.message ?? body}`.trim();
            } catch {
              return body;
            }
          },
        });
        return { provider: 'twilio', messageId: response.json<{ sid?: string }>().sid };
      } catch (error) {
        throw refine(error);
      }
    },
  };
}

/** Twilio's own code decides retryability more precisely than the HTTP status. */
function refine(error: unknown): unknown {
  if (!(error instanceof ProviderError) || error.status === undefined) return error;
  const code = Number(error.providerMessage.split(' ')[0]);
  if (!Number.isInteger(code) || code === 0) return error;
  return new ProviderError({
    provider: 'twilio',
    kind: RETRYABLE_CODES.has(code) || error.status >= 500 ? 'retryable' : 'permanent',
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    providerMessage: error.providerMessage,
    hint: HINTS[code],
    recipient: RECIPIENT_CODES.has(code),
    cause: error,
  });
}

const definition: ProviderDefinition<'sms'> = {
  name: 'twilio',
  channel: 'sms',
  settings: [
    { env: 'TWILIO_ACCOUNT_SID', required: true, description: 'the Account SID (AC…)' },
    { env: 'TWILIO_AUTH_TOKEN', required: true, secret: true, description: 'the auth token of that account' },
    { env: 'TWILIO_FROM', description: 'the sending phone number in E.164 or an alphanumeric sender ID' },
    { env: 'TWILIO_MESSAGING_SERVICE_SID', description: 'a Messaging Service SID (MG…), used instead of TWILIO_FROM' },
    { env: 'TWILIO_BASE_URL', default: 'https://api.twilio.com', description: 'API base URL' },
  ],
  validate: (settings) =>
    settings.TWILIO_FROM || settings.TWILIO_MESSAGING_SERVICE_SID
      ? []
      : ['TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required by the twilio provider: who the SMS comes from'],
  create: (settings, deps) =>
    createTwilio({
      accountSid: settings.TWILIO_ACCOUNT_SID as string,
      authToken: settings.TWILIO_AUTH_TOKEN as string,
      from: settings.TWILIO_FROM,
      messagingServiceSid: settings.TWILIO_MESSAGING_SERVICE_SID,
      baseUrl: settings.TWILIO_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
