/**
 * Brevo (formerly Sendinblue) transactional email: `POST /v3/smtp/email`, JSON, `api-key`
 * header, 201 with `messageId`. Plain content, or a stored template (numeric `templateId` +
 * `params`, used as `{{ params.code }}`). Brevo has no per-message switch for click/open
 * tracking or suppression lists.
 *
 * What each rule follows:
 * - Endpoint, `api-key`, fields, 201 `{messageId}` [https://developers.brevo.com/reference/sendtransacemail].
 * - Errors `{code, message}`; codes [getbrevo/brevo-node docs/ErrorModel.md]: unauthorized (401),
 *   permission_denied (403, IP blocking), not_enough_credits (402), account_under_validation,
 *   invalid_parameter / missing_parameter (400) are about this account or request: fail over.
 * - Idempotent: the key travels as `headers.idempotencyKey`, a UUID; a key reused within its
 *   TTL (30 min) is answered `duplicate_parameter` and not processed — i.e. an earlier attempt
 *   was accepted [https://developers.brevo.com/docs/heterogenous-versions-batch-emails;
 *   https://developers.brevo.com/changelog/email-api-now-supports-idempotency].
 * - 429 with `x-sib-ratelimit-reset` (seconds), no Retry-After [https://developers.brevo.com/docs/limit-headers].
 */
import * as v from 'valibot';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { ProviderError } from '../../errors.ts';
import { uuidFromKey } from '../common/idempotency.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
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

const PROFILE: HttpProfile = { provider: 'brevo', reset: { name: 'x-sib-ratelimit-reset', unit: 'seconds' } };

export function createBrevo(options: BrevoOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/smtp/email`;
  return {
    name: 'brevo',
    channel: 'email',
    idempotent: true,
    async send(message, ctx) {
      if (message.hostedTemplate && !/^\d+$/.test(message.hostedTemplate.id)) {
        throw new ProviderError({
          provider: 'brevo',
          kind: 'permanent',
          providerMessage: `template id "${message.hostedTemplate.id}" is not a number`,
          hint: 'map Brevo templates by their numeric id in PROVIDER_TEMPLATES',
        });
      }
      const answer = await request({
        provider: 'brevo',
        url,
        headers: { 'api-key': options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(brevoBody(message, ctx.idempotencyKey)),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (answer.ok) return { provider: 'brevo', messageId: answer.json<{ messageId?: string }>()?.messageId };
      const error = answer.json<{ code?: string; message?: string }>();
      // This idempotency key was seen within its TTL: an earlier attempt was accepted.
      if (error?.code === 'duplicate_parameter') return { provider: 'brevo' };
      throw httpFailure(answer, PROFILE, {
        providerCode: error?.code,
        providerMessage: error?.message ? `${error.code ?? 'error'}: ${error.message}` : undefined,
        hint: (error?.code && HINTS[error.code]) || undefined,
      });
    },
  };
}

const schema = v.object({
  BREVO_API_KEY: required('BREVO_API_KEY'),
  BREVO_BASE_URL: baseUrlSetting('BREVO_BASE_URL', 'https://api.brevo.com'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'brevo',
  channel: 'email',
  settings: [
    { env: 'BREVO_API_KEY', required: true, secret: true, description: 'a Brevo API v3 key (xkeysib-…)' },
    { env: 'BREVO_BASE_URL', default: 'https://api.brevo.com', description: 'API base URL' },
  ],
  schema,
  // `templateId` is an integer [sendtransacemail].
  hostedTemplateId: { pattern: /^\d+$/, example: '12' },
  create: (settings, deps) => createBrevo({ apiKey: settings.BREVO_API_KEY, baseUrl: settings.BREVO_BASE_URL, fetch: deps.fetch }),
};
export default definition;
