/**
 * Plivo: `POST /v1/Account/{auth_id}/Message/` (trailing slash), JSON, Basic
 * `auth_id:auth_token`, 202 with `message_uuid: [id]`. Sends from `PLIVO_FROM` or a Powerpack.
 * Plivo SMS has no hosted templates: a mapping is ignored and the locally rendered text is sent.
 *
 * What each rule follows:
 * - Endpoint, auth, fields, 202 `{api_id, message, message_uuid: [...]}`
 *   [https://www.plivo.com/docs/sms/api/message/send-a-message/; http://plivo.com/docs/api/message/].
 * - Errors `{api_id, error}`: 400 invalid parameter, 401, 404, 405, 429, 500
 *   [https://docs.plivo.com/docs/messaging/api/response]. An invalid or non-SMS-enabled destination
 *   is a 400 whose `error` reads "<number> is not a valid phone number" — about the recipient
 *   [https://plivo.com/docs/messaging/concepts/destination-number-validation].
 * - No idempotency key; no documented rate-limit headers.
 */
import * as v from 'valibot';
import { basicAuth, baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, optional, required } from '../common/settings.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface PlivoOptions {
  authId: string;
  authToken: string;
  from?: string | undefined;
  powerpackUuid?: string | undefined;
  baseUrl: string;
  fetch: FetchLike;
}

/** Builds the body; exported for the contract test against Plivo's documented fields. */
export function plivoBody(message: SmsMessage, options: Pick<PlivoOptions, 'from' | 'powerpackUuid'>): Record<string, unknown> {
  const body: Record<string, unknown> = { dst: message.to, text: message.text, type: 'sms' };
  if (options.powerpackUuid) body.powerpack_uuid = options.powerpackUuid;
  else if (options.from) body.src = options.from;
  return body;
}

const PROFILE: HttpProfile = {
  provider: 'plivo',
  hint: (status) =>
    status === 401 ? 'check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN' : status === 400 ? "check the user's phone_number and PLIVO_FROM / PLIVO_POWERPACK_UUID" : undefined,
};

/** Plivo's words for a destination that cannot receive SMS (it gives no code). */
const INVALID_DESTINATION = /is not a valid phone number|is not an? sms[- ]enabled (phone )?number/i;

export function createPlivo(options: PlivoOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/v1/Account/${encodeURIComponent(options.authId)}/Message/`;
  const authorization = basicAuth(options.authId, options.authToken);
  return {
    name: 'plivo',
    channel: 'sms',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'plivo',
        url,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(plivoBody(message, options)),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (answer.ok) {
        const uuids = answer.json<{ message_uuid?: string[] }>()?.message_uuid;
        return { provider: 'plivo', messageId: Array.isArray(uuids) ? uuids[0] : undefined };
      }
      const parsed = answer.json<{ error?: unknown; message?: string }>();
      const error = parsed?.error;
      const text = typeof error === 'string' ? error : error && typeof error === 'object' ? JSON.stringify(error) : parsed?.message;
      const invalidNumber = answer.status === 400 && INVALID_DESTINATION.test(text ?? '');
      throw httpFailure(answer, PROFILE, {
        providerMessage: text,
        recipient: invalidNumber,
        hint: invalidNumber ? "the user's phone_number is not a valid number or cannot receive SMS" : undefined,
      });
    },
  };
}

const schema = v.object({
  PLIVO_AUTH_ID: required('PLIVO_AUTH_ID'),
  PLIVO_AUTH_TOKEN: required('PLIVO_AUTH_TOKEN'),
  PLIVO_FROM: optional(),
  PLIVO_POWERPACK_UUID: optional(),
  PLIVO_BASE_URL: baseUrlSetting('PLIVO_BASE_URL', 'https://api.plivo.com'),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'plivo',
  channel: 'sms',
  settings: [
    { env: 'PLIVO_AUTH_ID', required: true, description: 'the Auth ID of the Plivo account (MA…/SA…)' },
    { env: 'PLIVO_AUTH_TOKEN', required: true, secret: true, description: 'the Auth Token of that account' },
    { env: 'PLIVO_FROM', description: 'the sending number (E.164) or an alphanumeric sender ID' },
    { env: 'PLIVO_POWERPACK_UUID', description: 'a Powerpack UUID, used instead of PLIVO_FROM' },
    { env: 'PLIVO_BASE_URL', default: 'https://api.plivo.com', description: 'API base URL' },
  ],
  schema,
  validate: (settings) =>
    settings.PLIVO_FROM || settings.PLIVO_POWERPACK_UUID
      ? []
      : ['PLIVO_FROM or PLIVO_POWERPACK_UUID is required by the plivo provider: who the SMS comes from'],
  create: (settings, deps) =>
    createPlivo({
      authId: settings.PLIVO_AUTH_ID,
      authToken: settings.PLIVO_AUTH_TOKEN,
      from: settings.PLIVO_FROM,
      powerpackUuid: settings.PLIVO_POWERPACK_UUID,
      baseUrl: settings.PLIVO_BASE_URL,
      fetch: deps.fetch,
    }),
};
export default definition;
