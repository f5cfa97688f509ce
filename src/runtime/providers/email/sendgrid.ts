/**
 * Twilio SendGrid v3 `POST /v3/mail/send` over plain HTTP (no SDK: the official one drags in axios).
 * Plain content, or a dynamic template (`template_id` + `dynamic_template_data`).
 * Success is 202 with the id in the `X-Message-Id` header.
 */
import { baseUrl, request, type FetchLike } from '../http.ts';
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
    // A user who unsubscribed from newsletters must still get their sign-in code.
    body.mail_settings = { bypass_list_management: { enable: true } };
  }
  return body;
}

export function createSendGrid(options: SendGridOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/mail/send`;
  return {
    name: 'sendgrid',
    channel: 'email',
    async send(message, ctx) {
      const response = await request({
        provider: 'sendgrid',
        url,
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(sendGridBody(message)),
        signal: ctx.signal,
        fetch: options.fetch,
        hint: (status) =>
          status === 401
            ? 'check SENDGRID_API_KEY'
            : status === 403
              ? 'the API key lacks the "Mail Send" permission, or EMAIL_FROM is not a verified sender'
              : undefined,
      });
      return { provider: 'sendgrid', messageId: response.headers.get('x-message-id') ?? undefined };
    },
  };
}

const definition: ProviderDefinition<'email'> = {
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
  create: (settings, deps) =>
    createSendGrid({
      apiKey: settings.SENDGRID_API_KEY as string,
      baseUrl: settings.SENDGRID_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
