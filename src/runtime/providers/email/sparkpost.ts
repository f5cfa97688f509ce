/**
 * SparkPost (Bird Email): `POST /api/v1/transmissions`, JSON, the raw API key in
 * `Authorization`. Marked `transactional` so non-transactional unsubscribes do not block a
 * code, with click/open tracking off. Plain content, or a stored template (`template_id` +
 * `substitution_data`). US (`api.sparkpost.com`) or EU (`api.eu.sparkpost.com`) accounts.
 *
 * What each rule follows (SparkPost/developers.sparkpost.com content/api/*.apib):
 * - Base URLs, `Authorization: <key>`, the error table and `{errors:[{message,description,code}]}`
 *   [index.apib]; fields, `options.*` and 200 `{results:{id,total_accepted_recipients,
 *   total_rejected_recipients}}` [transmissions.apib].
 * - `perform_substitutions` defaults to true: locally rendered content (user attributes
 *   included) would go through SparkPost's template language again, so it is turned off for it;
 *   a stored template needs it on [transmissions.apib `options.perform_substitutions`].
 * - A 200 can be a failure: `errors` code 2000 with `results.rcpt_to_errors` and rejected
 *   recipients — the address itself was refused [transmissions.apib "Response 200"].
 * - 420 (code 2101): the plan's sending limit; "no messages are sent": this account cannot send
 *   now, another provider can (permanent, not about the recipient) [transmissions.apib "Sending Limits"].
 * - 429: "wait 1 to 5 seconds" (no header); POST /transmissions is "not rate-limited in this
 *   way" [index.apib]. No idempotency key.
 */
import * as v from 'valibot';
import { ProviderError } from '../../errors.ts';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
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
  return (errors ?? []).map((e) => [e.code ? `${e.code} ` : '', e.message ?? '', e.description ? ` (${e.description})` : ''].join('')).join('; ');
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
  // Content rendered here is final: SparkPost must not evaluate `{{…}}` a user typed in an attribute.
  if (!message.hostedTemplate) options.perform_substitutions = false;
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

const PROFILE: HttpProfile = {
  provider: 'sparkpost',
  hint: (status) =>
    status === 401
      ? 'check SPARKPOST_API_KEY, and that SPARKPOST_BASE_URL is the region of the account (EU: https://api.eu.sparkpost.com/api/v1)'
      : status === 403
        ? 'the API key lacks the "Transmissions: Read/Write" permission'
        : undefined,
};

export function createSparkPost(options: SparkPostOptions): EmailProvider {
  const url = `${baseUrl(options.baseUrl)}/transmissions`;
  return {
    name: 'sparkpost',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      const answer = await request({
        provider: 'sparkpost',
        url,
        headers: { authorization: options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(sparkPostBody(message)),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      const parsed = answer.json<SparkPostAnswer>();
      if (!answer.ok) {
        const code = parsed?.errors?.[0]?.code;
        throw httpFailure(answer, PROFILE, {
          // 420: the plan's sending limit; nothing was sent, and nothing will be for a while.
          kind: answer.status === 420 ? 'permanent' : undefined,
          providerCode: code,
          providerMessage: parsed?.errors ? describe(parsed.errors) : undefined,
          hint: answer.status === 420 ? HINTS['2101'] : (code && HINTS[code]) || undefined,
        });
      }
      const rejected = parsed?.results?.total_rejected_recipients ?? 0;
      const accepted = parsed?.results?.total_accepted_recipients;
      if ((parsed?.errors && parsed.errors.length > 0) || rejected > 0 || accepted === 0) {
        const problems = describe([...(parsed?.errors ?? []), ...(parsed?.results?.rcpt_to_errors ?? [])]);
        const firstCode = parsed?.results?.rcpt_to_errors?.[0]?.code ?? parsed?.errors?.[0]?.code;
        throw new ProviderError({
          provider: 'sparkpost',
          kind: 'permanent',
          status: answer.status,
          providerMessage: `${rejected} recipient(s) rejected: ${problems || 'no details'}`,
          providerCode: firstCode,
          hint: (firstCode && HINTS[firstCode]) || "check the user's email address and EMAIL_FROM",
          // Rejected recipients (the only one) mean the address itself was refused.
          recipient: rejected > 0,
        });
      }
      return { provider: 'sparkpost', messageId: parsed?.results?.id };
    },
  };
}

const schema = v.object({
  SPARKPOST_API_KEY: required('SPARKPOST_API_KEY'),
  SPARKPOST_BASE_URL: baseUrlSetting('SPARKPOST_BASE_URL', 'https://api.sparkpost.com/api/v1'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
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
  schema,
  // `content.template_id` is the stored template's id [transmissions.apib].
  hostedTemplateId: { pattern: /^\S+$/, example: 'otp-code' },
  create: (settings, deps) => createSparkPost({ apiKey: settings.SPARKPOST_API_KEY, baseUrl: settings.SPARKPOST_BASE_URL, fetch: deps.fetch }),
};
export default definition;
