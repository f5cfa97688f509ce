/**
 * Postmark: `POST /email` or `/email/withTemplate` (`TemplateAlias`, or `TemplateId` when the
 * mapped id is a number, + `TemplateModel`), JSON, `X-Postmark-Server-Token`. Sent on the
 * transactional message stream (`outbound` unless POSTMARK_MESSAGE_STREAM says otherwise),
 * link and open tracking off. Postmark answers errors as `{ErrorCode, Message}`; its code says
 * what to fix better than the HTTP status.
 */
import { ProviderError } from '../../errors.ts';
import { baseUrl, request, type FetchLike } from '../http.ts';
import { formatMailbox } from '../shared/address.ts';
import { redactContacts } from '../shared/redact.ts';
import { aboutRecipient, parseJson, reclassify } from '../shared/refine.ts';
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

export function createPostmark(options: PostmarkOptions): EmailProvider {
  const base = baseUrl(options.baseUrl);
  return {
    name: 'postmark',
    channel: 'email',
    async send(message, ctx) {
      const { path, body } = postmarkRequest(message, options.messageStream);
      let errorCode: number | undefined;
      try {
        const response = await request({
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
          hint: (status) => (status === 401 ? 'check POSTMARK_SERVER_TOKEN (a server token, not the account token)' : undefined),
          describeError: (text) => {
            const parsed = parseJson<PostmarkAnswer>(text);
            errorCode = parsed?.ErrorCode;
            return redactContacts(parsed?.Message ? `ErrorCode ${parsed.ErrorCode ?? '?'}: ${parsed.Message}` : text || '(empty body)');
          },
        });
        const answer = parseJson<PostmarkAnswer>(response.text) ?? {};
        if (answer.ErrorCode) {
          // Defensive: a 200 must carry ErrorCode 0.
          const failure = new ProviderError({
            provider: 'postmark',
            kind: 'permanent',
            status: response.status,
            providerMessage: redactContacts(`ErrorCode ${answer.ErrorCode}: ${answer.Message ?? ''}`),
            hint: HINTS[answer.ErrorCode],
          });
          throw answer.ErrorCode === 406 ? aboutRecipient(failure) : failure;
        }
        return { provider: 'postmark', messageId: answer.MessageID };
      } catch (error) {
        if (errorCode === undefined || !(error instanceof ProviderError) || error.status === undefined) throw error;
        // ErrorCode 429 is "rate limited": worth another try whatever the status says.
        const kind = errorCode === 429 || error.status >= 500 ? 'retryable' : 'permanent';
        const refined = reclassify(error, { kind, hint: HINTS[errorCode] });
        // 406: the recipient bounced, complained or unsubscribed — not this server's fault.
        throw errorCode === 406 ? aboutRecipient(refined) : refined;
      }
    },
  };
}

const definition: ProviderDefinition<'email'> = {
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
  create: (settings, deps) =>
    createPostmark({
      serverToken: settings.POSTMARK_SERVER_TOKEN as string,
      messageStream: settings.POSTMARK_MESSAGE_STREAM as string,
      baseUrl: settings.POSTMARK_BASE_URL as string,
      fetch: deps.fetch,
    }),
};
export default definition;
