/**
 * Mailgun Messages API: `POST /v3/{domain}/messages`, form-encoded (multipart is only needed
 * for attachments), Basic `api:<key>`. Plain content, or a stored template (`template` +
 * `t:variables` as a JSON string). US (`api.mailgun.net`) or EU (`api.eu.mailgun.net`): a
 * domain lives in one region only.
 */
import { basicAuth, baseUrl, describeErrorBody, request, type FetchLike } from '../http.ts';
import { formatMailbox } from '../shared/address.ts';
import { redactContacts } from '../shared/redact.ts';
import { reclassify } from '../shared/refine.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface MailgunOptions {
  apiKey: string;
  domain: string;
  /** `https://api.mailgun.net`, or `https://api.eu.mailgun.net` for EU domains. */
  baseUrl: string;
  fetch: FetchLike;
}

/** Builds the form; exported for the contract test against Mailgun's spec. */
export function mailgunForm(message: EmailMessage): URLSearchParams {
  const form = new URLSearchParams();
  form.set('from', formatMailbox(message.from));
  form.append('to', message.to);
  if (message.hostedTemplate) {
    // The template's own subject applies unless one is sent; Mailgun's spec wrongly requires it.
    form.set('template', message.hostedTemplate.id);
    form.set('t:variables', JSON.stringify(message.hostedTemplate.variables));
  } else {
    form.set('subject', message.subject);
    form.set('text', message.text);
    form.set('html', message.html);
  }
  if (message.replyTo) form.set('h:Reply-To', message.replyTo);
  // Mailgun keeps at most 3 tags per message.
  for (const tag of message.tags.slice(0, 3)) form.append('o:tag', tag);
  if (message.disableTracking) {
    // Rewritten links break one-click links and leak codes to the tracking domain.
    form.set('o:tracking', 'no');
    form.set('o:tracking-clicks', 'no');
    form.set('o:tracking-opens', 'no');
  }
  // v: variables come back in events and webhooks, for correlation.
  for (const [key, value] of Object.entries(message.metadata)) form.set(`v:${key}`, value);
  return form;
}

export function createMailgun(options: MailgunOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/${encodeURIComponent(options.domain)}/messages`;
  const authorization = basicAuth('api', options.apiKey);
  return {
    name: 'mailgun',
    channel: 'email',
    async send(message, ctx) {
      try {
        const response = await request({
          provider: 'mailgun',
          url,
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: mailgunForm(message),
          signal: ctx.signal,
          fetch: options.fetch,
          describeError: (text) => redactContacts(describeErrorBody(text)),
          hint: (status) =>
            status === 401 || status === 403
              ? 'check MAILGUN_API_KEY, and that MAILGUN_BASE_URL is the region of MAILGUN_DOMAIN (EU domains need https://api.eu.mailgun.net)'
              : status === 404
                ? 'MAILGUN_DOMAIN is not a sending domain of this account in this region (or the mapped template does not exist)'
                : undefined,
        });
        return { provider: 'mailgun', messageId: response.json<{ id?: string }>().id };
      } catch (error) {
        throw refine(error);
      }
    },
  };
}

/** Mailgun states a 429's wait only in words: "try again after 120 seconds". */
function refine(error: unknown): unknown {
  const wait = /try again after (\d+) seconds?/i.exec((error as { providerMessage?: string }).providerMessage ?? '');
  if (!wait?.[1] || (error as { retryAfterMs?: number }).retryAfterMs !== undefined) return error;
  return reclassify(error, { retryAfterMs: Number(wait[1]) * 1000 });
}

const definition: ProviderDefinition<'email'> = {
  name: 'mailgun',
  channel: 'email',
  settings: [
    { env: 'MAILGUN_API_KEY', required: true, secret: true, description: 'a Mailgun API key (or a domain sending key)' },
    { env: 'MAILGUN_DOMAIN', required: true, description: 'the sending domain, e.g. mg.example.com' },
    {
      env: 'MAILGUN_BASE_URL',
      default: 'https://api.mailgun.net',
      description: 'API base URL; https://api.eu.mailgun.net for domains in the EU region',
    },
  ],
  create: (settings, deps) =>
    createMailgun({
      apiKey: settings.MAILGUN_API_KEY as string,
      domain: settings.MAILGUN_DOMAIN as string,
      baseUrl: settings.MAILGUN_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
