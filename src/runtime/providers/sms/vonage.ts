/**
 * Vonage SMS API: `POST https://rest.nexmo.com/sms/json`, form-encoded, Basic `key:secret`
 * (kept out of the body so the secret never sits in a logged payload). The answer is HTTP 200
 * even on failure: each part has a `status`, and anything but "0" failed — "1" (throttled) is
 * worth another try, the rest say what to fix in `error-text`. Vonage's SMS API has no hosted
 * templates: a mapping is ignored and the locally rendered text is sent.
 */
import { ProviderError } from '../../errors.ts';
import { basicAuth, baseUrl, describeErrorBody, request, type FetchLike } from '../http.ts';
import { redactContacts } from '../shared/redact.ts';
import { aboutRecipient } from '../shared/refine.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface VonageOptions {
  apiKey: string;
  apiSecret: string;
  /** A Vonage number (E.164, without +) or an alphanumeric sender ID. */
  from: string;
  baseUrl: string;
  fetch: FetchLike;
}

interface VonagePart {
  status?: string;
  'message-id'?: string;
  'error-text'?: string;
}

/** Statuses (https://developer.vonage.com/messaging/sms/guides/troubleshooting-sms) that may pass on a later try. */
const RETRYABLE_STATUS = new Set(['1', '5']);
/** 7: the number is barred — no provider can reach it. */
const RECIPIENT_STATUS = new Set(['7']);
const HINTS: Record<string, string> = {
  '2': 'a required parameter is missing; check VONAGE_FROM',
  '3': "check the user's phone_number and VONAGE_FROM",
  '4': 'check VONAGE_API_KEY and VONAGE_API_SECRET',
  '6': 'the destination network refused the message, or its country is not supported',
  '7': 'the recipient number is barred',
  '8': 'the Vonage account is barred',
  '9': 'the Vonage account balance is too low',
  '15': 'VONAGE_FROM is not a sender this account may use for that destination',
  '29': 'a trial account may only send to numbers registered as test numbers',
};

// GSM 03.38 default alphabet and its extension table: anything else needs `type=unicode`.
const GSM_7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f';
const GSM_SET = new Set(GSM_7);

export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM_SET.has(char)) return false;
  return true;
}

/** Builds the form; exported for the contract test against Vonage's sms.yml. */
export function vonageForm(message: SmsMessage, from: string): URLSearchParams {
  const form = new URLSearchParams();
  form.set('from', from);
  // The SMS API wants digits only (E.164 without +).
  form.set('to', message.to.replace(/^\+/, ''));
  form.set('text', message.text);
  if (!isGsm7(message.text)) form.set('type', 'unicode');
  // Echoed in the answer and the delivery receipt, for correlation (≤40 characters).
  if (message.tags[0]) form.set('client-ref', message.tags[0].slice(0, 40));
  return form;
}

export function createVonage(options: VonageOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/sms/json`;
  const authorization = basicAuth(options.apiKey, options.apiSecret);
  return {
    name: 'vonage',
    channel: 'sms',
    async send(message, ctx) {
      const response = await request({
        provider: 'vonage',
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: vonageForm(message, options.from),
        signal: ctx.signal,
        fetch: options.fetch,
        describeError: (text) => redactContacts(describeErrorBody(text)),
        hint: (status) => (status === 401 ? 'check VONAGE_API_KEY and VONAGE_API_SECRET' : undefined),
      });
      let parts: VonagePart[] = [];
      try {
        parts = response.json<{ messages?: VonagePart[] }>().messages ?? [];
      } catch {
        // Handled below as "no parts".
      }
      // A long text is split in parts; every part must be accepted.
      const failed = parts.find((part) => part.status !== '0');
      if (parts.length === 0 || failed) {
        const status = failed?.status ?? '?';
        const error = new ProviderError({
          provider: 'vonage',
          kind: RETRYABLE_STATUS.has(status) ? 'retryable' : 'permanent',
          status: response.status,
          providerMessage: redactContacts(failed ? `status ${status}: ${failed['error-text'] ?? ''}` : `unexpected answer: ${response.text.slice(0, 200)}`),
          hint: HINTS[status],
        });
        throw RECIPIENT_STATUS.has(status) ? aboutRecipient(error) : error;
      }
      return { provider: 'vonage', messageId: parts[0]?.['message-id'] };
    },
  };
}

const definition: ProviderDefinition<'sms'> = {
  name: 'vonage',
  channel: 'sms',
  settings: [
    { env: 'VONAGE_API_KEY', required: true, description: 'the API key shown in the Vonage dashboard' },
    { env: 'VONAGE_API_SECRET', required: true, secret: true, description: 'the API secret of that key' },
    { env: 'VONAGE_FROM', required: true, description: 'a Vonage number (E.164) or an alphanumeric sender ID' },
    { env: 'VONAGE_BASE_URL', default: 'https://rest.nexmo.com', description: 'API base URL' },
  ],
  validate: (settings) =>
    settings.VONAGE_FROM && !/^(\+?\d{5,15}|[A-Za-z0-9 ]{1,11})$/.test(settings.VONAGE_FROM)
      ? [`VONAGE_FROM "${settings.VONAGE_FROM}" is neither a phone number nor an alphanumeric sender ID of at most 11 characters`]
      : [],
  create: (settings, deps) =>
    createVonage({
      apiKey: settings.VONAGE_API_KEY as string,
      apiSecret: settings.VONAGE_API_SECRET as string,
      from: (settings.VONAGE_FROM as string).replace(/^\+/, ''),
      baseUrl: settings.VONAGE_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
