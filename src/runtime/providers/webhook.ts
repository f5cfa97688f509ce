/**
 * The webhook provider: POSTs the rendered message and its data as JSON to the user's own
 * HTTPS endpoint, signed per the Standard Webhooks spec (https://www.standardwebhooks.com), so
 * any backend can deliver it. Works for both channels.
 *
 * Headers: `webhook-id` (stable across retries of the same Cognito request, so the receiver can
 * de-duplicate), `webhook-timestamp` (seconds), `webhook-signature`
 * (`v1,<base64 HMAC-SHA256(secret, "${id}.${timestamp}.${body}")>`, one per secret while
 * rotating). The payload carries the code: it goes only to the endpoint the user configured.
 *
 * Idempotent by contract: the id "remains the same no matter how many times a webhook … is
 * retried" and "is often used as an idempotency key" [standard-webhooks/standard-webhooks
 * spec/standard-webhooks.md, "Webhook metadata"]; the README tells receivers to deduplicate on
 * it. Answers: any 2xx accepts; 408/425/429/5xx are retryable (with `Retry-After`); any other
 * status is permanent.
 */
import { createHash, createHmac } from 'node:crypto';
import * as v from 'valibot';
import { httpFailure, request, type FetchLike, type HttpProfile } from './http.ts';
import { required } from './common/settings.ts';
import type { Delivered, Message, ProviderDefinition, SendContext, SettingSpec } from './types.ts';
import type { Channel } from '../cognito/triggers.ts';

export interface WebhookOptions {
  url: string;
  /** One or more `whsec_<base64>` secrets; every one signs, so receivers can rotate. */
  secrets: Buffer[];
  fetch: FetchLike;
  now?: () => number;
}

/** The body the endpoint receives. */
export interface WebhookPayload {
  /** `cognito.email` or `cognito.sms`. */
  type: string;
  /** When the relay sent it (ISO 8601). */
  timestamp: string;
  data: {
    channel: Channel;
    trigger: string;
    triggerSource: string;
    locale: string;
    to: string;
    /** Email only. */
    from?: { email: string; name?: string | undefined };
    replyTo?: string;
    subject?: string;
    html?: string;
    text: string;
    tags: string[];
    /** The template id mapped for `webhook` in PROVIDER_TEMPLATES, if any. */
    template?: string;
    /** Everything a template can use, including `code`. */
    variables: Record<string, unknown>;
    metadata: Record<string, string>;
  };
}

/** Secrets are `whsec_` + base64 (the prefix is optional), separated by spaces or commas. */
export function parseWebhookSecrets(value: string): { secrets: Buffer[]; problems: string[] } {
  const secrets: Buffer[] = [];
  const problems: string[] = [];
  for (const [index, raw] of value.split(/[\s,]+/).filter(Boolean).entries()) {
    const encoded = raw.startsWith('whsec_') ? raw.slice('whsec_'.length) : raw;
    const bytes = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || bytes.length < 24 || bytes.length > 64) {
      problems.push(
        `WEBHOOK_SECRET #${index + 1} must be whsec_ followed by 24–64 random bytes in base64, e.g. whsec_$(openssl rand -base64 32)`,
      );
    } else {
      secrets.push(bytes);
    }
  }
  if (secrets.length === 0 && problems.length === 0) problems.push('WEBHOOK_SECRET is empty');
  return { secrets, problems };
}

/** `webhook-signature`: one `v1,<base64>` per secret, space-separated. */
export function signWebhook(secrets: Buffer[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}

/** Same Cognito request → same id, on every retry (ours or Lambda's). */
export function webhookId(idempotencyKey: string): string {
  return `msg_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

export function webhookPayload(message: Message, now: number): WebhookPayload {
  const data: WebhookPayload['data'] = {
    channel: message.channel,
    trigger: message.trigger,
    triggerSource: message.triggerSource,
    locale: message.locale,
    to: message.to,
    text: message.text,
    tags: message.tags,
    variables: message.variables,
    metadata: message.metadata,
  };
  if (message.channel === 'email') {
    data.from = message.from;
    if (message.replyTo) data.replyTo = message.replyTo;
    data.subject = message.subject;
    data.html = message.html;
  }
  if (message.hostedTemplate) data.template = message.hostedTemplate.id;
  return { type: `cognito.${message.channel}`, timestamp: new Date(now).toISOString(), data };
}

export function createWebhook<C extends Channel>(channel: C, options: WebhookOptions) {
  const now = options.now ?? Date.now;
  return {
    name: 'webhook',
    channel,
    idempotent: true,
    async send(message: Message, ctx: SendContext): Promise<Delivered> {
      const sentAt = now();
      const id = webhookId(ctx.idempotencyKey);
      const timestamp = Math.floor(sentAt / 1000);
      const body = JSON.stringify(webhookPayload(message, sentAt));
      const answer = await request({
        provider: 'webhook',
        url: options.url,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(options.secrets, id, timestamp, body),
          'user-agent': 'cognito-relay',
        },
        body,
        signal: ctx.signal,
        fetch: options.fetch,
      });
      if (!answer.ok) throw httpFailure(answer, PROFILE);
      // The endpoint may answer with its own id (e.g. the message id of the backend it used).
      const reply = answer.json<{ id?: unknown; messageId?: unknown }>();
      const own = reply?.messageId ?? reply?.id;
      return { provider: 'webhook', messageId: typeof own === 'string' && own ? own : id };
    },
  };
}

const PROFILE: HttpProfile = {
  provider: 'webhook',
  hint: (status) =>
    status === 401 || status === 403
      ? 'the endpoint refused the signature: check it verifies with the same WEBHOOK_SECRET'
      : status === 404 || status === 405
        ? 'check WEBHOOK_URL'
        : undefined,
};

const SETTINGS: SettingSpec[] = [
  { env: 'WEBHOOK_URL', required: true, description: 'the HTTPS endpoint that receives the messages' },
  {
    env: 'WEBHOOK_SECRET',
    required: true,
    secret: true,
    description: 'whsec_<base64> signing secret (Standard Webhooks); several, space-separated, while rotating',
  },
];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function validate(settings: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (settings.WEBHOOK_URL) {
    try {
      const url = new URL(settings.WEBHOOK_URL);
      // The body carries the code: plain HTTP only to this machine (sandbox, tests).
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
        problems.push('WEBHOOK_URL must use https:// (the message carries the code); http:// is only allowed to localhost');
      }
    } catch {
      problems.push(`WEBHOOK_URL is not a valid URL, e.g. https://hooks.example.com/cognito`);
    }
  }
  if (settings.WEBHOOK_SECRET) problems.push(...parseWebhookSecrets(settings.WEBHOOK_SECRET).problems);
  return problems;
}

const schema = v.object({
  WEBHOOK_URL: v.pipe(required('WEBHOOK_URL'), v.url('WEBHOOK_URL is not a valid URL, e.g. https://hooks.example.com/cognito')),
  WEBHOOK_SECRET: required('WEBHOOK_SECRET'),
});
type WebhookSettings = v.InferOutput<typeof schema>;

function definitionFor<C extends Channel>(channel: C): ProviderDefinition<C, WebhookSettings> {
  return {
    name: 'webhook',
    channel,
    settings: SETTINGS,
    schema,
    // Any non-empty id is passed through to the endpoint as `data.template`.
    hostedTemplateId: { pattern: /^.+$/, example: 'signup-v2' },
    validate,
    create: ((settings: WebhookSettings, deps: { fetch: FetchLike }) =>
      createWebhook(channel, {
        url: settings.WEBHOOK_URL,
        secrets: parseWebhookSecrets(settings.WEBHOOK_SECRET).secrets,
        fetch: deps.fetch,
      })) as ProviderDefinition<C, WebhookSettings>['create'],
  };
}

export const emailWebhook: ProviderDefinition<'email', WebhookSettings> = definitionFor('email');
export const smsWebhook: ProviderDefinition<'sms', WebhookSettings> = definitionFor('sms');
