/**
 * Plivo: `POST /v1/Account/{auth_id}/Message/` (trailing slash), JSON, Basic
 * `auth_id:auth_token`, 202 with `message_uuid: [id]`. Sends from `PLIVO_FROM` or a Powerpack.
 * Plivo SMS has no hosted templates: a mapping is ignored and the locally rendered text is sent.
 */
import { basicAuth, baseUrl, request, type FetchLike } from '../http.ts';
import { redactContacts } from '../shared/redact.ts';
import { parseJson } from '../shared/refine.ts';
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

export function createPlivo(options: PlivoOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/v1/Account/${encodeURIComponent(options.authId)}/Message/`;
  const authorization = basicAuth(options.authId, options.authToken);
  return {
    name: 'plivo',
    channel: 'sms',
    async send(message, ctx) {
      const response = await request({
        provider: 'plivo',
        url,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(plivoBody(message, options)),
        signal: ctx.signal,
        fetch: options.fetch,
        describeError: (text) => {
          const parsed = parseJson<{ error?: unknown; message?: string }>(text);
          const error = parsed?.error;
          const described =
            typeof error === 'string' ? error : error && typeof error === 'object' ? JSON.stringify(error) : (parsed?.message ?? (text || '(empty body)'));
          return redactContacts(described);
        },
        hint: (status) =>
          status === 401
            ? 'check PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN'
            : status === 400
              ? "check the user's phone_number and PLIVO_FROM / PLIVO_POWERPACK_UUID"
              : undefined,
      });
      const uuids = parseJson<{ message_uuid?: string[] }>(response.text)?.message_uuid;
      return { provider: 'plivo', messageId: Array.isArray(uuids) ? uuids[0] : undefined };
    },
  };
}

const definition: ProviderDefinition<'sms'> = {
  name: 'plivo',
  channel: 'sms',
  settings: [
    { env: 'PLIVO_AUTH_ID', required: true, description: 'the Auth ID of the Plivo account (MA…/SA…)' },
    { env: 'PLIVO_AUTH_TOKEN', required: true, secret: true, description: 'the Auth Token of that account' },
    { env: 'PLIVO_FROM', description: 'the sending number (E.164) or an alphanumeric sender ID' },
    { env: 'PLIVO_POWERPACK_UUID', description: 'a Powerpack UUID, used instead of PLIVO_FROM' },
    { env: 'PLIVO_BASE_URL', default: 'https://api.plivo.com', description: 'API base URL' },
  ],
  validate: (settings) =>
    settings.PLIVO_FROM || settings.PLIVO_POWERPACK_UUID
      ? []
      : ['PLIVO_FROM or PLIVO_POWERPACK_UUID is required by the plivo provider: who the SMS comes from'],
  create: (settings, deps) =>
    createPlivo({
      authId: settings.PLIVO_AUTH_ID as string,
      authToken: settings.PLIVO_AUTH_TOKEN as string,
      from: settings.PLIVO_FROM,
      powerpackUuid: settings.PLIVO_POWERPACK_UUID,
      baseUrl: settings.PLIVO_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
