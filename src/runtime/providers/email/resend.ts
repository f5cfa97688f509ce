/**
 * Resend: `POST /emails`, JSON, Bearer key, 200 with `id`. Plain content, or a published template
 * (`template.id` + `variables`, flat string/number values). Resend has no per-message tracking
 * switch: turn click/open tracking off on the domain.
 *
 * What each rule follows:
 * - Endpoint, auth, fields, 200 `{id}` [resend/resend-openapi resend.yaml `POST /emails`].
 * - Errors `{statusCode, message, name}` and what each name means
 *   [https://resend.com/docs/api-reference/errors]: 401/403 key and domain problems are this
 *   account's (fail over); 409 `concurrent_idempotent_requests` (the first request with this key
 *   is still running: asking again returns its answer) is retryable.
 * - Idempotent: `Idempotency-Key` header, ≤256 characters, kept 24 h; a repeat returns the first
 *   email's id without sending again [https://resend.com/docs/dashboard/emails/idempotency-keys].
 * - 429 with `retry-after` and `ratelimit-reset` (seconds) [https://resend.com/docs/api-reference/rate-limit].
 */
import * as v from 'valibot';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { formatMailbox } from '../common/address.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
import { flattenVariables, tagSafe } from '../common/variables.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface ResendOptions {
  apiKey: string;
  baseUrl: string;
  fetch: FetchLike;
}

/** Error names (https://resend.com/docs/api-reference/errors) and what to do about them. */
const BY_NAME: Record<string, { kind?: 'retryable' | 'permanent'; hint?: string }> = {
  missing_api_key: { hint: 'set RESEND_API_KEY' },
  invalid_api_key: { hint: 'check RESEND_API_KEY' },
  restricted_api_key: { hint: 'RESEND_API_KEY is restricted; use a key with sending access (to the domain of EMAIL_FROM)' },
  invalid_from_address: { hint: 'EMAIL_FROM must be an address on a domain verified in Resend' },
  validation_error: { hint: 'check EMAIL_FROM is on a domain verified in Resend, and the mapped template' },
  // The first request with this key is still running: asking again later returns its answer.
  concurrent_idempotent_requests: { kind: 'retryable' },
  invalid_idempotent_request: { kind: 'permanent', hint: 'the same Cognito request produced a different message on an earlier attempt' },
  daily_quota_exceeded: { kind: 'retryable', hint: 'the daily sending quota of the Resend account is used up' },
};

/** Builds the body; exported for the contract test against Resend's spec. */
export function resendBody(message: EmailMessage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    from: formatMailbox(message.from),
    to: [message.to],
    tags: [
      ...message.tags.slice(0, 1).map((tag) => ({ name: 'category', value: tagSafe(tag) })),
      ...Object.entries(message.metadata).map(([key, value]) => ({ name: tagSafe(key), value: tagSafe(value) })),
    ].filter((tag) => tag.value.length > 0),
  };
  if (message.replyTo) body.reply_to = message.replyTo;
  if (message.hostedTemplate) {
    // Resend takes flat string/number variables named with letters, digits and `_`:
    // `user.given_name` becomes `user_given_name`, `user.custom:plan` becomes `user_custom_plan`.
    const variables = Object.entries(flattenVariables(message.hostedTemplate.variables, '_')).map(([key, value]) => [key.replace(/[^A-Za-z0-9_]/g, '_'), value]);
    body.template = { id: message.hostedTemplate.id, variables: Object.fromEntries(variables) };
  } else {
    body.subject = message.subject;
    body.html = message.html;
    body.text = message.text;
  }
  return body;
}

const PROFILE: HttpProfile = {
  provider: 'resend',
  reset: { name: 'ratelimit-reset', unit: 'seconds' },
  hint: (status) => (status === 401 || status === 403 ? 'check RESEND_API_KEY and that EMAIL_FROM is on a domain verified in Resend' : undefined),
};

export function createResend(options: ResendOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/emails`;
  return {
    name: 'resend',
    channel: 'email',
    idempotent: true,
    async send(message, ctx) {
      const answer = await request({
        provider: 'resend',
        url,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'content-type': 'application/json',
          // ≤256 characters; ours is a 64-character hash.
          'idempotency-key': ctx.idempotencyKey.slice(0, 256),
        },
        body: JSON.stringify(resendBody(message)),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (answer.ok) return { provider: 'resend', messageId: answer.json<{ id?: string }>()?.id };
      const error = answer.json<{ name?: string; message?: string }>();
      const known = error?.name === undefined ? undefined : BY_NAME[error.name];
      throw httpFailure(answer, PROFILE, {
        kind: known?.kind,
        providerCode: error?.name,
        providerMessage: error?.message ? `${error.name ?? 'error'}: ${error.message}` : undefined,
        hint: known?.hint,
      });
    },
  };
}

const schema = v.object({
  RESEND_API_KEY: required('RESEND_API_KEY'),
  RESEND_BASE_URL: baseUrlSetting('RESEND_BASE_URL', 'https://api.resend.com'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'resend',
  channel: 'email',
  settings: [
    { env: 'RESEND_API_KEY', required: true, secret: true, description: 'a Resend API key (re_…) with sending access' },
    { env: 'RESEND_BASE_URL', default: 'https://api.resend.com', description: 'API base URL' },
  ],
  schema,
  // `template.id` takes a template id or alias [resend.yaml].
  hostedTemplateId: { pattern: /^\S+$/, example: 'otp-code' },
  create: (settings, deps) => createResend({ apiKey: settings.RESEND_API_KEY, baseUrl: settings.RESEND_BASE_URL, fetch: deps.fetch }),
};
export default definition;
