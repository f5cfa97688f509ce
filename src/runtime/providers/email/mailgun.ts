/**
 * Mailgun Messages API: `POST /v3/{domain}/messages`, form-encoded (multipart is only needed
 * for attachments), Basic `api:<key>`. Plain content, or a stored template (`template` +
 * `t:variables` as a JSON string). US (`api.mailgun.net`) or EU (`api.eu.mailgun.net`): a
 * domain lives in one region only.
 *
 * What each rule follows:
 * - Servers, path, Basic `api:<key>`, form fields, 200 `{id, message}` [mailgun/mailgun-mcp-server
 *   src/openapi.yaml `POST /v3/{domain_name}/messages`].
 * - Errors `{message}` (401 is the plain text `Forbidden`); 429 states its wait only in words,
 *   "try again after N seconds", and has no rate-limit headers; 500 is worth a retry
 *   [openapi.yaml responses; https://documentation.mailgun.com/docs/mailgun/quickstart-guide/responses].
 *   No answer is about the recipient alone (a suppressed address is accepted, then dropped).
 * - No idempotency key for sends.
 */
import * as v from 'valibot';
import { basicAuth, baseUrl, httpFailure, request, type FetchLike, type HttpAnswer, type HttpProfile, type Wait } from '../http.ts';
import { formatMailbox } from '../common/address.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
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

const PROFILE: HttpProfile = {
  provider: 'mailgun',
  hint: (status) =>
    status === 401 || status === 403
      ? 'check MAILGUN_API_KEY, and that MAILGUN_BASE_URL is the region of MAILGUN_DOMAIN (EU domains need https://api.eu.mailgun.net)'
      : status === 404
        ? 'MAILGUN_DOMAIN is not a sending domain of this account in this region (or the mapped template does not exist)'
        : undefined,
};

/** Mailgun states a 429's wait in its message: "… try again after 120 seconds". */
function statedWait(answer: HttpAnswer, text: string | undefined): Wait | undefined {
  const seconds = answer.status === 429 ? /try again after (\d+) seconds?/i.exec(text ?? '')?.[1] : undefined;
  return seconds ? { ms: Number(seconds) * 1000, source: 'body' } : undefined;
}

export function createMailgun(options: MailgunOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/v3/${encodeURIComponent(options.domain)}/messages`;
  const authorization = basicAuth('api', options.apiKey);
  return {
    name: 'mailgun',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'mailgun',
        url,
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: mailgunForm(message),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (answer.ok) return { provider: 'mailgun', messageId: answer.json<{ id?: string }>()?.id };
      const text = answer.json<{ message?: string }>()?.message;
      throw httpFailure(answer, PROFILE, { providerMessage: text, wait: statedWait(answer, text) });
    },
  };
}

const schema = v.object({
  MAILGUN_API_KEY: required('MAILGUN_API_KEY'),
  MAILGUN_DOMAIN: v.pipe(required('MAILGUN_DOMAIN'), v.regex(/^[^\s/]+\.[^\s/]+$/, 'MAILGUN_DOMAIN must be a domain name, e.g. mg.example.com')),
  MAILGUN_BASE_URL: baseUrlSetting('MAILGUN_BASE_URL', 'https://api.mailgun.net'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
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
  schema,
  // `template` is the template's name [openapi.yaml].
  hostedTemplateId: { pattern: /^\S+$/, example: 'otp-code' },
  create: (settings, deps) =>
    createMailgun({ apiKey: settings.MAILGUN_API_KEY, domain: settings.MAILGUN_DOMAIN, baseUrl: settings.MAILGUN_BASE_URL, fetch: deps.fetch }),
};
export default definition;
