/**
 * Mailchimp Transactional (Mandrill): `POST /messages/send` or `/messages/send-template`, JSON,
 * the API key in the body as `key`.
 *
 * What each rule follows:
 * - Base `https://mandrillapp.com/api/1.0` [mailchimp/mailchimp-transactional-node src/ApiClient.js
 *   `basePath`]; `key` in the body, no auth header; fields [mailchimp/mailchimp-client-lib-codegen
 *   spec/transactional.json `/messages/send`, `/messages/send-template`].
 * - A 200 is one result per recipient; `rejected` / `invalid` is a failure; `invalid` and a
 *   `hard-bounce` rejection are about the address itself; the other reject reasons are this
 *   account's lists and settings [transactional.json `reject_reason`].
 * - Errors `{status: "error", code, name, message}`; client errors have come back as HTTP 500, so
 *   the `name` decides, not the status [https://github.com/mailchimp/mailchimp-client-lib-codegen/issues/188].
 * - No idempotency key.
 */
import * as v from 'valibot';
import { ProviderError } from '../../errors.ts';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface MandrillOptions {
  apiKey: string;
  /** `https://mandrillapp.com/api/1.0` */
  baseUrl: string;
  fetch: FetchLike;
}

interface MandrillError {
  status?: string;
  code?: number;
  name?: string;
  message?: string;
}

interface MandrillResult {
  email?: string;
  status?: 'sent' | 'queued' | 'scheduled' | 'rejected' | 'invalid';
  reject_reason?: string | null;
  queued_reason?: string | null;
  _id?: string;
}

/** Error names that are the request's fault, whatever the HTTP status; the rest may pass. */
const PERMANENT: Record<string, string | undefined> = {
  Invalid_Key: 'check MANDRILL_API_KEY',
  PaymentRequired: 'the Mailchimp Transactional account needs a paid plan or more credits',
  ValidationError: 'check EMAIL_FROM and the message fields',
  Unknown_Template: 'the mapped template does not exist (use its slug)',
  Unknown_Subaccount: 'the subaccount does not exist',
  Unknown_Sender: 'EMAIL_FROM is not a sender of this account',
  Invalid_Template: 'the mapped template is not valid',
  Invalid_Reject: undefined,
  Unknown_Message: undefined,
};

const REJECT_HINTS: Record<string, string> = {
  'hard-bounce': 'the address hard-bounced before and is on the rejection denylist; remove it there (or allowlist it) to send again',
  'soft-bounce': 'the address soft-bounced repeatedly and is on the denylist for now',
  spam: 'the recipient marked earlier mail as spam; they are on the rejection denylist',
  unsub: 'the recipient unsubscribed; they are on the rejection denylist',
  custom: 'the address is on your custom rejection denylist',
  'invalid-sender': 'EMAIL_FROM is not allowed to send from this account',
  unsigned: 'the sending domain of EMAIL_FROM is not verified (DKIM/SPF) in Mailchimp Transactional',
  'test-mode-limit': 'a test-mode key may only send a few messages',
  rule: 'a rule of this account rejected the message',
};

/** Builds the path and body; exported for the contract test against Mandrill's Swagger 2.0 spec. */
export function mandrillRequest(message: EmailMessage, apiKey: string): { path: string; body: Record<string, unknown> } {
  const payload: Record<string, unknown> = {
    from_email: message.from.email,
    to: [{ email: message.to, type: 'to' }],
    // Tags starting with "_" are reserved; at most 50 characters each.
    tags: message.tags.filter((tag) => !tag.startsWith('_')).map((tag) => tag.slice(0, 50)),
    metadata: message.metadata,
    // Keeps the recipient out of any other recipient's headers (one recipient anyway).
    preserve_recipients: false,
  };
  if (message.from.name) payload.from_name = message.from.name;
  if (message.replyTo) payload.headers = { 'Reply-To': message.replyTo };
  if (message.disableTracking) {
    // Rewritten links break one-click links and leak codes to the tracking domain.
    payload.track_opens = false;
    payload.track_clicks = false;
  }
  if (message.hostedTemplate) {
    // Handlebars lets templates read nested values ({{user.given_name}}) as local templates do.
    payload.merge_language = 'handlebars';
    payload.global_merge_vars = Object.entries(message.hostedTemplate.variables)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, content]) => ({ name, content }));
    return {
      path: '/messages/send-template',
      body: { key: apiKey, template_name: message.hostedTemplate.id, template_content: [], message: payload },
    };
  }
  payload.subject = message.subject;
  payload.html = message.html;
  payload.text = message.text;
  payload.auto_text = false;
  return { path: '/messages/send', body: { key: apiKey, message: payload } };
}

const PROFILE: HttpProfile = { provider: 'mandrill', hint: (status) => (status === 401 ? 'check MANDRILL_API_KEY' : undefined) };

export function createMandrill(options: MandrillOptions): EmailProvider {
  const base = baseUrl(options.baseUrl);
  return {
    name: 'mandrill',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      const { path, body } = mandrillRequest(message, options.apiKey);
      const answer = await request({
        provider: 'mandrill',
        url: `${base}${path}`,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (!answer.ok) {
        const failure = answer.json<MandrillError>();
        const name = failure?.name;
        const known = name !== undefined && name in PERMANENT;
        throw httpFailure(answer, PROFILE, {
          kind: known ? 'permanent' : undefined,
          providerCode: name,
          providerMessage: failure?.message ? `${name ?? 'error'}: ${failure.message}` : undefined,
          hint: known ? PERMANENT[name] : undefined,
        });
      }
      const results = answer.json<MandrillResult[]>();
      const result = Array.isArray(results) ? results[0] : undefined;
      if (!result || result.status === 'rejected' || result.status === 'invalid') {
        const reason = result?.reject_reason ?? (result?.status === 'invalid' ? 'invalid address' : 'no result');
        throw new ProviderError({
          provider: 'mandrill',
          kind: 'permanent',
          status: answer.status,
          // The result's email field is left out: addresses never reach logs.
          providerMessage: `recipient ${result?.status ?? 'missing'}: ${reason}`,
          providerCode: result?.status === 'rejected' ? reason : result?.status,
          hint: result?.status === 'invalid' ? "the user's email address is not valid" : REJECT_HINTS[reason],
          // A bad or bouncing address fails everywhere; other rejections are this account's lists.
          recipient: result?.status === 'invalid' || reason === 'hard-bounce',
        });
      }
      return { provider: 'mandrill', messageId: result._id };
    },
  };
}

const schema = v.object({
  MANDRILL_API_KEY: required('MANDRILL_API_KEY'),
  MANDRILL_BASE_URL: baseUrlSetting('MANDRILL_BASE_URL', 'https://mandrillapp.com/api/1.0'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'mandrill',
  channel: 'email',
  settings: [
    { env: 'MANDRILL_API_KEY', required: true, secret: true, description: 'a Mailchimp Transactional (Mandrill) API key' },
    { env: 'MANDRILL_BASE_URL', default: 'https://mandrillapp.com/api/1.0', description: 'API base URL, version included' },
  ],
  schema,
  // `template_name` is the template's slug [transactional.json].
  hostedTemplateId: { pattern: /^\S+$/, example: 'otp-code' },
  create: (settings, deps) => createMandrill({ apiKey: settings.MANDRILL_API_KEY, baseUrl: settings.MANDRILL_BASE_URL, fetch: deps.fetch }),
};
export default definition;
