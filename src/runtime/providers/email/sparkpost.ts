/**
 * SparkPost (Bird Email): `POST /api/v1/transmissions`, JSON, the raw API key in
 * `Authorization`. Marked `transactional` so non-transactional unsubscribes do not block a
 * code, with click/open tracking off. Plain content, or a stored template (`template_id` +
 * `substitution_data`). A 200 can still be a failure: partial `errors`, or rejected recipients.
 * US (`api.sparkpost.com`) or EU (`api.eu.sparkpost.com`) accounts.
 */
import { ProviderError } from '../../errors.ts';
import { baseUrl, request, type FetchLike } from '../http.ts';
import { redactContacts } from '../shared/redact.ts';
import { aboutRecipient, parseJson, reclassify } from '../shared/refine.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface SparkPostOptions {
  apiKey: string;
  /** `https://api.sparkpost.com/api/v1`, or `https://api.eu.sparkpost.com/api/v1`. */
  baseUrl: string;
  fetch: FetchLike;
}

interface SparkPostAnswer {
  results?: {
    id?: string;
    total_accepted_recipients?: number;
    total_rejected_recipients?: number;
    rcpt_to_errors?: { message?: string; description?: string; code?: string }[];
  };
  errors?: { message?: string; description?: string; code?: string }[];
}

/** SparkPost error codes that say what to fix. */
const HINTS: Record<string, string> = {
  '7001': 'EMAIL_FROM is not on a verified sending domain of this SparkPost account',
  '2101': 'the sending limit of the SparkPost account is reached',
  '1603': 'the mapped template does not exist (or has no published version)',
  '1400': "check the user's email address and EMAIL_FROM",
};

function describe(errors: SparkPostAnswer['errors']): string {
  return redactContacts(
    (errors ?? []).map((e) => [e.code ? `${e.code} ` : '', e.message ?? '', e.description ? ` (${e.description})` : ''].join('')).join('; '),
  );
}

/** Builds the body; exported for the contract test against SparkPost's documented fields. */
export function sparkPostBody(message: EmailMessage): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  // Suppression entries typed non_transactional (newsletter unsubscribes) then do not apply.
  if (message.transactional) options.transactional = true;
  if (message.disableTracking) {
    // Rewritten links break one-click links and leak codes to the tracking domain.
    options.click_tracking = false;
    options.open_tracking = false;
  }
  const recipient: Record<string, unknown> = { address: { email: message.to }, tags: message.tags.slice(0, 10) };
  const body: Record<string, unknown> = { options, recipients: [recipient], metadata: message.metadata };
  if (message.tags[0]) body.campaign_id = message.tags[0].slice(0, 64);
  const from = message.from.name ? { email: message.from.email, name: message.from.name } : { email: message.from.email };
  if (message.hostedTemplate) {
    recipient.substitution_data = message.hostedTemplate.variables;
    body.content = { template_id: message.hostedTemplate.id };
    // The configured sender wins over the template's, as for every other provider.
    body.override = message.replyTo ? { from, reply_to: message.replyTo } : { from };
  } else {
    const content: Record<string, unknown> = {
      from,
      subject: message.subject,
      text: message.text,
      html: message.html,
    };
    if (message.replyTo) content.reply_to = message.replyTo;
    body.content = content;
  }
  return body;
}

export function createSparkPost(options: SparkPostOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/transmissions`;
  return {
    name: 'sparkpost',
    channel: 'email',
    async send(message, ctx) {
      let code: string | undefined;
      let response;
      try {
        response = await request({
          provider: 'sparkpost',
          url,
          headers: { authorization: options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(sparkPostBody(message)),
          signal: ctx.signal,
          fetch: options.fetch,
          hint: (status) =>
            status === 401
              ? 'check SPARKPOST_API_KEY, and that SPARKPOST_BASE_URL is the region of the account (EU: https://api.eu.sparkpost.com/api/v1)'
              : status === 403
                ? 'the API key lacks the "Transmissions: Read/Write" permission'
                : undefined,
          describeError: (text) => {
            const parsed = parseJson<SparkPostAnswer>(text);
            code = parsed?.errors?.[0]?.code;
            return parsed?.errors ? describe(parsed.errors) : text || '(empty body)';
          },
        });
      } catch (error) {
        // 420: the account's daily/monthly sending limit — not this message's fault.
        if (error instanceof ProviderError && error.status === 420) {
          throw reclassify(error, { kind: 'retryable', hint: HINTS['2101'] });
        }
        throw code && HINTS[code] ? reclassify(error, { hint: HINTS[code] }) : error;
      }
      const answer = parseJson<SparkPostAnswer>(response.text) ?? {};
      const rejected = answer.results?.total_rejected_recipients ?? 0;
      const accepted = answer.results?.total_accepted_recipients;
      if ((answer.errors && answer.errors.length > 0) || rejected > 0 || accepted === 0) {
        const problems = describe([...(answer.errors ?? []), ...(answer.results?.rcpt_to_errors ?? [])]);
        const firstCode = answer.results?.rcpt_to_errors?.[0]?.code ?? answer.errors?.[0]?.code;
        const error = new ProviderError({
          provider: 'sparkpost',
          kind: 'permanent',
          status: response.status,
          providerMessage: `${rejected} recipient(s) rejected: ${problems || 'no details'}`,
          hint: (firstCode && HINTS[firstCode]) || "check the user's email address and EMAIL_FROM",
        });
        // Rejected recipients (the only one) mean the address itself was refused.
        throw rejected > 0 ? aboutRecipient(error) : error;
      }
      return { provider: 'sparkpost', messageId: answer.results?.id };
    },
  };
}

const definition: ProviderDefinition<'email'> = {
  name: 'sparkpost',
  channel: 'email',
  settings: [
    { env: 'SPARKPOST_API_KEY', required: true, secret: true, description: 'a SparkPost API key with Transmissions: Read/Write' },
    {
      env: 'SPARKPOST_BASE_URL',
      default: 'https://api.sparkpost.com/api/v1',
      description: 'API base URL; https://api.eu.sparkpost.com/api/v1 for EU accounts',
    },
  ],
  create: (settings, deps) =>
    createSparkPost({ apiKey: settings.SPARKPOST_API_KEY as string, baseUrl: settings.SPARKPOST_BASE_URL as string, fetch: deps.fetch }),
};
export default definition;
