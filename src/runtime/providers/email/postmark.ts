/**
 * Postmark: `POST /email` or `/email/withTemplate` (`TemplateAlias`, or `TemplateId` when the
 * mapped id is a number, + `TemplateModel`), JSON, `X-Postmark-Server-Token`. Sent on the
 * transactional message stream (`outbound` unless POSTMARK_MESSAGE_STREAM says otherwise),
 * link and open tracking off.
 *
 * What each rule follows:
 * - Base, token header, JSON + `Accept: application/json` [https://postmarkapp.com/developer/api/overview];
 *   fields and 200 `{MessageID, ErrorCode: 0}` [https://postmarkapp.com/developer/user-guide/send-email-with-api].
 * - Errors 401, 413, 422 `{ErrorCode, Message}`, 429, 500, 503 [api/overview]; the ErrorCode says
 *   what to fix better than the status [https://postmarkapp.com/developer/api/overview, "API error codes"]:
 *   406 "inactive recipient" (bounced, complained, unsubscribed) is about the recipient; 10, 300,
 *   400/401, 405, 412, 413 are this server's setup (fail over); 429 is a rate limit (retryable).
 *   The official SDK classifies the same way: 401 key, 422 input (406 InactiveRecipientsError, 300
 *   InvalidEmailRequestError), 429 RateLimitExceededError, 500/503 server [ActiveCampaign/postmark.js
 *   src/client/errors/ErrorHandler.ts, Errors.ts]; it sends `Accept` and `Content-Type: application/json`
 *   [src/client/BaseClient.ts].
 * - No idempotency key; no documented rate-limit headers.
 */
import * as v from 'valibot';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { formatMailbox } from '../common/address.ts';
import { baseUrlSetting, required } from '../common/settings.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface PostmarkOptions {
  serverToken: string;
  messageStream: string;
  baseUrl: string;
  fetch: FetchLike;
}

interface PostmarkAnswer {
  ErrorCode?: number;
  Message?: string;
  MessageID?: string;
}

/** Postmark ErrorCodes that say what to fix. */
const HINTS: Record<number, string> = {
  10: 'check POSTMARK_SERVER_TOKEN (a server token, not the account token)',
  300: 'Postmark found the request invalid; check EMAIL_FROM and the mapped template',
  400: 'EMAIL_FROM is not a confirmed sender signature or verified domain in Postmark',
  401: 'EMAIL_FROM is not a confirmed sender signature or verified domain in Postmark',
  405: 'the Postmark account may not send (pending approval or out of credits)',
  406: "the recipient is inactive (bounced, spam complaint or unsubscribed) on this stream; reactivate them in Postmark's suppressions",
  412: 'the Postmark account is pending approval: it may only send to its own domain',
  413: 'the Postmark account may not send at the moment',
};

/** Builds the path and body; exported for the contract test against Postmark's documented fields. */
export function postmarkRequest(message: EmailMessage, messageStream: string): { path: string; body: Record<string, unknown> } {
  const body: Record<string, unknown> = {
    From: formatMailbox(message.from),
    To: message.to,
    MessageStream: messageStream,
    Metadata: message.metadata,
  };
  if (message.tags[0]) body.Tag = message.tags[0];
  if (message.replyTo) body.ReplyTo = message.replyTo;
  if (message.disableTracking) {
    // Rewritten links break one-click links and leak codes to the tracking domain.
    body.TrackOpens = false;
    body.TrackLinks = 'None';
  }
  if (message.hostedTemplate) {
    const id = message.hostedTemplate.id;
    if (/^\d+$/.test(id)) body.TemplateId = Number(id);
    else body.TemplateAlias = id;
    body.TemplateModel = message.hostedTemplate.variables;
    return { path: '/email/withTemplate', body };
  }
  body.Subject = message.subject;
  body.HtmlBody = message.html;
  body.TextBody = message.text;
  return { path: '/email', body };
}

const PROFILE: HttpProfile = {
  provider: 'postmark',
  hint: (status) => (status === 401 ? HINTS[10] : undefined),
};

export function createPostmark(options: PostmarkOptions): EmailProvider {
  const base = baseUrl(options.baseUrl);
  return {
    name: 'postmark',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      const { path, body } = postmarkRequest(message, options.messageStream);
      const answer = await request({
        provider: 'postmark',
        url: `${base}${path}`,
        headers: {
          'x-postmark-server-token': options.serverToken,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: ctx.signal,
        fetch: options.fetch,
      });
      const parsed = answer.json<PostmarkAnswer>();
      const errorCode = parsed?.ErrorCode;
      // A 200 carries ErrorCode 0; anything else is a refusal, whatever the status.
      if (answer.ok && !errorCode) return { provider: 'postmark', messageId: parsed?.MessageID };
      throw httpFailure(answer, PROFILE, {
        // ErrorCode 429 is "rate limited": worth another try whatever the status says.
        kind: errorCode === 429 || answer.status >= 500 ? 'retryable' : errorCode ? 'permanent' : undefined,
        providerCode: errorCode === undefined ? undefined : String(errorCode),
        providerMessage: parsed?.Message ? `ErrorCode ${errorCode ?? '?'}: ${parsed.Message}` : undefined,
        hint: errorCode === undefined ? undefined : HINTS[errorCode],
        // 406: the recipient bounced, complained or unsubscribed — not this server's fault.
        recipient: errorCode === 406,
      });
    },
  };
}

const schema = v.object({
  POSTMARK_SERVER_TOKEN: required('POSTMARK_SERVER_TOKEN'),
  POSTMARK_MESSAGE_STREAM: v.optional(v.pipe(v.string(), v.regex(/^\S+$/, 'POSTMARK_MESSAGE_STREAM must be a stream id such as outbound')), 'outbound'),
  POSTMARK_BASE_URL: baseUrlSetting('POSTMARK_BASE_URL', 'https://api.postmarkapp.com'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'postmark',
  channel: 'email',
  settings: [
    { env: 'POSTMARK_SERVER_TOKEN', required: true, secret: true, description: "the server's API token (Servers → API Tokens)" },
    {
      env: 'POSTMARK_MESSAGE_STREAM',
      default: 'outbound',
      description: 'the transactional message stream to send on',
    },
    { env: 'POSTMARK_BASE_URL', default: 'https://api.postmarkapp.com', description: 'API base URL' },
  ],
  schema,
  // `TemplateAlias` (a name) or a numeric `TemplateId` [send-email-with-api].
  hostedTemplateId: { pattern: /^\S+$/, example: 'code-signup (alias) or 3456789 (id)' },
  create: (settings, deps) =>
    createPostmark({
      serverToken: settings.POSTMARK_SERVER_TOKEN,
      messageStream: settings.POSTMARK_MESSAGE_STREAM,
      baseUrl: settings.POSTMARK_BASE_URL,
      fetch: deps.fetch,
    }),
};
export default definition;
