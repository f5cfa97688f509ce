/**
 * Twilio SendGrid v3 `POST /v3/mail/send` over plain HTTP (no SDK: the official one drags in axios).
 * Plain content, or a dynamic template (`template_id` + `dynamic_template_data`).
 *
 * What each rule follows:
 * - Endpoint, Bearer auth, JSON; EU subusers on api.eu.sendgrid.com; 202 with an empty body and
 *   the id in `X-Message-Id` [twilio/sendgrid-oai spec/json/tsg_mail_v3.json; https://www.twilio.com/docs/sendgrid/api-reference/mail-send,
 *   https://www.twilio.com/docs/sendgrid/glossary/x-message-id].
 * - Errors `{errors:[{message,field,help}]}`, 400/401/403/404/405/413/500; every validation error
 *   is a 400 [tsg_mail_v3.json `ErrorResponse`; https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors].
 *   None is about the recipient alone: failing over is the right move for all of them.
 * - `X-RateLimit-Reset` (Unix seconds) rides on every answer; only a 429 means "wait until then"
 *   [https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits].
 * - No idempotency key: a retry after an unknown outcome may send twice.
 * - `bypass_unsubscribe_management`: delivers to global unsubscribes while bounce and spam
 *   lists still apply; `bypass_list_management` bypasses those too [tsg_mail_v3.json `mail_settings`].
 */
import * as v from 'valibot';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface SendGridOptions {
  apiKey: string;
  /** `https://api.sendgrid.com`, or `https://api.eu.sendgrid.com` for EU subusers. */
  baseUrl: string;
  fetch: FetchLike;
}

/** Builds the mail/send body; exported for the contract test against SendGrid's spec. */
export function sendGridBody(message: EmailMessage): Record<string, unknown> {
  const personalization: Record<string, unknown> = { to: [{ email: message.to }] };
  const body: Record<string, unknown> = {
    personalizations: [personalization],
    from: message.from.name ? { email: message.from.email, name: message.from.name } : { email: message.from.email },
    categories: message.tags.slice(0, 10),
    custom_args: message.metadata,
  };
  if (message.replyTo) body.reply_to = { email: message.replyTo };
  if (message.hostedTemplate) {
    body.template_id = message.hostedTemplate.id;
    personalization.dynamic_template_data = message.hostedTemplate.variables;
  } else {
    body.subject = message.subject;
    // SendGrid requires text/plain before text/html.
    body.content = [
      { type: 'text/plain', value: message.text },
      { type: 'text/html', value: message.html },
    ];
  }
  if (message.disableTracking) {
    // Rewritten links break one-click links and leak codes to the tracking domain.
    body.tracking_settings = {
      click_tracking: { enable: false, enable_text: false },
      open_tracking: { enable: false },
      subscription_tracking: { enable: false },
    };
  }
  if (message.transactional) {
    // A user who unsubscribed from newsletters must still get their sign-in code; an address
    // that bounced or reported spam stays suppressed.
    body.mail_settings = { bypass_unsubscribe_management: { enable: true } };
  }
  return body;
}

const PROFILE: HttpProfile = {
  provider: 'sendgrid',
  reset: { name: 'X-RateLimit-Reset', unit: 'epoch' },
  hint: (status) =>
    status === 401
      ? 'check SENDGRID_API_KEY'
      : status === 403
        ? 'the API key lacks the "Mail Send" permission, or EMAIL_FROM is not a verified sender'
        : undefined,
};

export function createSendGrid(options: SendGridOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/mail/send`;
  return {
    name: 'sendgrid',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'sendgrid',
        url,
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(sendGridBody(message)),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (!answer.ok) throw httpFailure(answer, PROFILE);
      return { provider: 'sendgrid', messageId: answer.headers.get('x-message-id') ?? undefined };
    },
  };
}

const schema = v.object({
  SENDGRID_API_KEY: required('SENDGRID_API_KEY'),
  SENDGRID_BASE_URL: baseUrlSetting('SENDGRID_BASE_URL', 'https://api.sendgrid.com'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'sendgrid',
  channel: 'email',
  settings: [
    { env: 'SENDGRID_API_KEY', required: true, secret: true, description: 'a SendGrid API key with the Mail Send permission' },
    {
      env: 'SENDGRID_BASE_URL',
      default: 'https://api.sendgrid.com',
      description: 'API base URL; https://api.eu.sendgrid.com for EU subusers',
    },
  ],
  schema,
  // Dynamic templates: `d-` and 32 hex digits [tsg_mail_v3.json `template_id`].
  hostedTemplateId: { pattern: /^d-[0-9a-f]{32}$/i, example: 'd-0123456789abcdef0123456789abcdef' },
  create: (settings, deps) =>
    createSendGrid({ apiKey: settings.SENDGRID_API_KEY, baseUrl: settings.SENDGRID_BASE_URL, fetch: deps.fetch }),
};
export default definition;
