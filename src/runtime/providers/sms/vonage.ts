/**
 * Vonage SMS API: `POST https://rest.nexmo.com/sms/json`, form-encoded, Basic `key:secret`
 * (kept out of the body so the secret never sits in a logged payload). The answer is HTTP 200
 * even on failure: each part has a `status`, and anything but "0" failed — "1" (throttled) is
 * worth another try, the rest say what to fix in `error-text`. Vonage's SMS API has no hosted
 * templates: a mapping is ignored and the locally rendered text is sent.
 *
 * What each rule follows:
 * - Endpoint, form fields, `type=unicode`, `client-ref` and the status table [Nexmo/api-specification
 *   definitions/sms.yml]; Basic `key:secret` [https://developer.vonage.com/messaging/sms/code-snippets].
 * - Statuses [sms.yml; https://developer.vonage.com/messaging/sms/guides/troubleshooting-sms]:
 *   1 throttled, 5 internal error, 10 too many binds ("back-off and retry") are retryable;
 *   7 number barred and 33 number de-activated are about the recipient; the rest (credentials,
 *   sender, balance, demo mode…) are this account's: fail over.
 * - No idempotency key (`client-ref` is only echoed).
 */
import * as v from 'valibot';
import { ProviderError } from '../../errors.ts';
import { basicAuth, baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
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

/** Statuses that may pass on a later try. */
const RETRYABLE_STATUS = new Set(['1', '5', '10']);
/** 7: the number is barred; 33: the number is de-activated — no provider can reach it. */
const RECIPIENT_STATUS = new Set(['7', '33']);
const HINTS: Record<string, string> = {
  '2': 'a required parameter is missing; check VONAGE_FROM',
  '3': "check the user's phone_number and VONAGE_FROM",
  '4': 'check VONAGE_API_KEY and VONAGE_API_SECRET',
  '6': 'the destination network refused the message, or its country is not supported',
  '7': 'the recipient number is barred',
  '33': 'the recipient number is de-activated',
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

const PROFILE: HttpProfile = { provider: 'vonage', hint: (status) => (status === 401 ? HINTS['4'] : undefined) };

export function createVonage(options: VonageOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/sms/json`;
  const authorization = basicAuth(options.apiKey, options.apiSecret);
  return {
    name: 'vonage',
    channel: 'sms',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'vonage',
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: vonageForm(message, options.from),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (!answer.ok) throw httpFailure(answer, PROFILE);
      const parts = answer.json<{ messages?: VonagePart[] }>()?.messages ?? [];
      // A long text is split in parts; every part must be accepted.
      const failed = parts.find((part) => part.status !== '0');
      if (parts.length === 0 || failed) {
        const status = failed?.status ?? '?';
        throw new ProviderError({
          provider: 'vonage',
          kind: RETRYABLE_STATUS.has(status) ? 'retryable' : 'permanent',
          status: answer.status,
          providerMessage: failed ? `status ${status}: ${failed['error-text'] ?? ''}` : `unexpected answer: ${answer.text.slice(0, 200)}`,
          providerCode: failed?.status,
          hint: HINTS[status],
          recipient: RECIPIENT_STATUS.has(status),
        });
      }
      return { provider: 'vonage', messageId: parts[0]?.['message-id'] };
    },
  };
}

const schema = v.object({
  VONAGE_API_KEY: required('VONAGE_API_KEY'),
  VONAGE_API_SECRET: required('VONAGE_API_SECRET'),
  VONAGE_FROM: required('VONAGE_FROM'),
  VONAGE_BASE_URL: baseUrlSetting('VONAGE_BASE_URL', 'https://rest.nexmo.com'),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'vonage',
  channel: 'sms',
  settings: [
    { env: 'VONAGE_API_KEY', required: true, description: 'the API key shown in the Vonage dashboard' },
    { env: 'VONAGE_API_SECRET', required: true, secret: true, description: 'the API secret of that key' },
    { env: 'VONAGE_FROM', required: true, description: 'a Vonage number (E.164) or an alphanumeric sender ID' },
    { env: 'VONAGE_BASE_URL', default: 'https://rest.nexmo.com', description: 'API base URL' },
  ],
  schema,
  validate: (settings) =>
    settings.VONAGE_FROM && !/^(\+?\d{5,15}|[A-Za-z0-9 ]{1,11})$/.test(settings.VONAGE_FROM)
      ? [`VONAGE_FROM "${settings.VONAGE_FROM}" is neither a phone number nor an alphanumeric sender ID of at most 11 characters`]
      : [],
  create: (settings, deps) =>
    createVonage({
      apiKey: settings.VONAGE_API_KEY,
      apiSecret: settings.VONAGE_API_SECRET,
      from: settings.VONAGE_FROM.replace(/^\+/, ''),
      baseUrl: settings.VONAGE_BASE_URL,
      fetch: deps.fetch,
    }),
};
export default definition;
