/**
 * Resend: `POST /emails`, JSON, Bearer key, 200 with `id`. Idempotent: the request key goes in
 * the `Idempotency-Key` header (kept 24 h), so a retry after a timeout returns the first
 * email's id instead of sending again. Plain content, or a published template
 * (`template.id` + `variables`, flat string/number values). Resend has no per-message
 * tracking switch: turn click/open tracking off on the domain.
 */
import { baseUrl, request, type FetchLike } from '../http.ts';
import { formatMailbox } from '../shared/address.ts';
import { redactContacts } from '../shared/redact.ts';
import { parseJson, reclassify } from '../shared/refine.ts';
import { flattenVariables, tagSafe } from '../shared/variables.ts';
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

export function createResend(options: ResendOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/emails`;
  return {
    name: 'resend',
    channel: 'email',
    async send(message, ctx) {
      let name: string | undefined;
      try {
        const response = await request({
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
          describeError: (text) => {
            const parsed = parseJson<{ name?: string; message?: string }>(text);
            name = parsed?.name;
            return redactContacts(parsed?.message ? `${parsed.name ?? 'error'}: ${parsed.message}` : text || '(empty body)');
          },
        });
        return { provider: 'resend', messageId: response.json<{ id?: string }>().id };
      } catch (error) {
        const known = name === undefined ? undefined : BY_NAME[name];
        throw known ? reclassify(error, known) : error;
      }
    },
  };
}

const definition: ProviderDefinition<'email'> = {
  name: 'resend',
  channel: 'email',
  settings: [
    { env: 'RESEND_API_KEY', required: true, secret: true, description: 'a Resend API key (re_…) with sending access' },
    { env: 'RESEND_BASE_URL', default: 'https://api.resend.com', description: 'API base URL' },
  ],
  create: (settings, deps) =>
    createResend({ apiKey: settings.RESEND_API_KEY as string, baseUrl: settings.RESEND_BASE_URL as string, fetch: deps.fetch }),
};
export default definition;
