/**
 * Brevo (formerly Sendinblue) transactional email: `POST /v3/smtp/email`, JSON, `api-key`
 * header, 201 with `messageId`. Plain content, or a stored template (numeric `templateId` +
 * `params`, used as `{{ params.code }}`). Idempotent: the request key travels as
 * `headers.idempotencyKey` (a UUID), so a retry after a timeout does not send twice.
 * Brevo has no per-message switch for click/open tracking or suppression lists.
 */
import { ProviderError } from '../../errors.ts';
import { baseUrl, request, type FetchLike } from '../http.ts';
import { uuidFromKey } from '../shared/idempotency.ts';
import { redactContacts } from '../shared/redact.ts';
import { parseJson, reclassify } from '../shared/refine.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface BrevoOptions {
  apiKey: string;
  baseUrl: string;
  fetch: FetchLike;
}

const HINTS: Record<string, string> = {
  unauthorized: 'check BREVO_API_KEY (an API v3 key, xkeysib-…, not an SMTP key)',
  permission_denied:
    "the key may not send from here: allow the function's IP under Security → Authorised IPs, or deactivate IP blocking",
  not_enough_credits: 'the Brevo account has no email credits left',
  account_under_validation: 'the Brevo account is still under validation and may not send yet',
  invalid_parameter: 'check EMAIL_FROM is a verified sender or domain in Brevo, and the mapped template id',
  missing_parameter: 'check EMAIL_FROM is set and the mapped template exists',
};

/** Builds the body; exported for the contract test against Brevo's documented fields. */
export function brevoBody(message: EmailMessage, idempotencyKey: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    sender: message.from.name ? { email: message.from.email, name: message.from.name } : { email: message.from.email },
    to: [{ email: message.to }],
    tags: message.tags,
    headers: { idempotencyKey: uuidFromKey(idempotencyKey) },
  };
  const custom = Object.entries(message.metadata).map(([key, value]) => `${key}:${value}`);
  // Echoed to Brevo webhooks, for correlation.
  if (custom.length > 0) (body.headers as Record<string, string>)['X-Mailin-custom'] = custom.join('|');
  if (message.replyTo) body.replyTo = { email: message.replyTo };
  if (message.hostedTemplate) {
    body.templateId = Number(message.hostedTemplate.id);
    body.params = message.hostedTemplate.variables;
  } else {
    body.subject = message.subject;
    body.htmlContent = message.html;
    body.textContent = message.text;
  }
  return body;
}

export function createBrevo(options: BrevoOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/smtp/email`;
  return {
    name: 'brevo',
    channel: 'email',
    async send(message, ctx) {
      if (message.hostedTemplate && !/^\d+$/.test(message.hostedTemplate.id)) {
        throw new ProviderError({
          provider: 'brevo',
          kind: 'permanent',
          providerMessage: `template id "${message.hostedTemplate.id}" is not a number`,
          hint: 'map Brevo templates by their numeric id in PROVIDER_TEMPLATES',
        });
      }
      let code: string | undefined;
      try {
        const response = await request({
          provider: 'brevo',
          url,
          headers: { 'api-key': options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(brevoBody(message, ctx.idempotencyKey)),
          signal: ctx.signal,
          fetch: options.fetch,
          describeError: (text) => {
            const parsed = parseJson<{ code?: string; message?: string }>(text);
            code = parsed?.code;
            return redactContacts(parsed?.message ? `${parsed.code ?? 'error'}: ${parsed.message}` : text || '(empty body)');
          },
        });
        return { provider: 'brevo', messageId: response.json<{ messageId?: string }>().messageId };
      } catch (error) {
        // The same idempotency key was seen within its TTL: an earlier attempt was accepted.
        if (code === 'duplicate_request') return { provider: 'brevo' };
        throw code && HINTS[code] ? reclassify(error, { hint: HINTS[code] }) : error;
      }
    },
  };
}

const definition: ProviderDefinition<'email'> = {
  name: 'brevo',
  channel: 'email',
  settings: [
    { env: 'BREVO_API_KEY', required: true, secret: true, description: 'a Brevo API v3 key (xkeysib-…)' },
    { env: 'BREVO_BASE_URL', default: 'https://api.brevo.com', description: 'API base URL' },
  ],
  create: (settings, deps) =>
    createBrevo({ apiKey: settings.BREVO_API_KEY as string, baseUrl: settings.BREVO_BASE_URL as string, fetch: deps.fetch }),
};
export default definition;
