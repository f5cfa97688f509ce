/**
 * Bird platform API: `POST https://{region}.platform.bird.com/v1/sms/messages`, JSON, Bearer
 * key, 202 with `id`. The region (`us1`, `eu1`) is read from the key (`bk_{region}_…`) unless
 * BIRD_BASE_URL says otherwise. Idempotent: the request key goes in `Idempotency-Key` (kept
 * 3 h). Free text is sent with `category: authentication`; a mapped template is sent by `slug`
 * with flat string `parameters` (`user.given_name`).
 */
import { baseUrl, request, type FetchLike } from '../http.ts';
import { redactContacts } from '../shared/redact.ts';
import { aboutRecipient, parseJson, reclassify } from '../shared/refine.ts';
import { flattenVariables, tagSafe } from '../shared/variables.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface BirdOptions {
  apiKey: string;
  /** A number or sender ID the workspace owns. */
  from: string;
  category: string;
  baseUrl: string;
  fetch: FetchLike;
}

interface BirdError {
  error?: { type?: string; code?: string; name?: string; message?: string; param?: string; remediation?: string };
}

const CATEGORIES = ['authentication', 'transactional', 'service', 'marketing'];

/** The API base for a key: `bk_eu1_…` → `https://eu1.platform.bird.com`. */
export function birdBaseUrl(apiKey: string): string | undefined {
  const region = /^bk_([a-z]+\d+)_/.exec(apiKey)?.[1];
  return region ? `https://${region}.platform.bird.com` : undefined;
}

/** Builds the body; exported for the contract test against Bird's documented fields. */
export function birdBody(message: SmsMessage, options: Pick<BirdOptions, 'from' | 'category'>): Record<string, unknown> {
  const body: Record<string, unknown> = { to: message.to, from: options.from };
  if (message.hostedTemplate) {
    body.template = { slug: message.hostedTemplate.id, parameters: flattenVariables(message.hostedTemplate.variables) };
  } else {
    body.text = message.text;
    body.category = options.category;
  }
  const tags = [
    ...message.tags.slice(0, 1).map((tag) => ({ name: 'category', value: tag })),
    ...Object.entries(message.metadata).map(([name, value]) => ({ name: tagSafe(name), value })),
  ];
  if (tags.length > 0) body.tags = tags.slice(0, 20);
  return body;
}

export function createBird(options: BirdOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/v1/sms/messages`;
  return {
    name: 'bird',
    channel: 'sms',
    async send(message, ctx) {
      let failure: BirdError['error'];
      try {
        const response = await request({
          provider: 'bird',
          url,
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': `cognito-relay/${ctx.idempotencyKey}`,
          },
          body: JSON.stringify(birdBody(message, options)),
          signal: ctx.signal,
          fetch: options.fetch,
          hint: (status) =>
            status === 401
              ? 'check BIRD_API_KEY, and that BIRD_BASE_URL matches its region'
              : status === 402
                ? 'the Bird workspace balance is too low'
                : status === 403
                  ? 'BIRD_API_KEY lacks permission to send SMS'
                  : undefined,
          describeError: (text) => {
            failure = parseJson<BirdError>(text)?.error;
            if (!failure?.message) return redactContacts(text || '(empty body)');
            const where = failure.param ? ` [${failure.param}]` : '';
            return redactContacts(`${failure.code ?? ''} ${failure.name ?? ''}: ${failure.message}${where}`.trim());
          },
        });
        return { provider: 'bird', messageId: parseJson<{ id?: string }>(response.text)?.id };
      } catch (error) {
        // E01004: the first request with this key is still running; asking again soon returns its answer.
        if (failure?.code === 'E01004' || failure?.name === 'request_in_progress') throw reclassify(error, { kind: 'retryable' });
        const refined = failure?.remediation ? reclassify(error, { hint: failure.remediation }) : error;
        // A validation error on `to` is about the number itself.
        throw failure?.param === 'to' ? aboutRecipient(refined) : refined;
      }
    },
  };
}

const definition: ProviderDefinition<'sms'> = {
  name: 'bird',
  channel: 'sms',
  settings: [
    { env: 'BIRD_API_KEY', required: true, secret: true, description: 'a Bird API key (bk_us1_… or bk_eu1_…)' },
    { env: 'BIRD_FROM', required: true, description: 'a number (E.164) or sender ID of the workspace to send from' },
    {
      env: 'BIRD_CATEGORY',
      default: 'authentication',
      description: `the SMS category of free text: ${CATEGORIES.join(', ')}`,
    },
    { env: 'BIRD_BASE_URL', description: 'API base URL; by default https://{region}.platform.bird.com from the key' },
  ],
  validate: (settings) => {
    const problems: string[] = [];
    if (settings.BIRD_API_KEY && !settings.BIRD_BASE_URL && !birdBaseUrl(settings.BIRD_API_KEY)) {
      problems.push('BIRD_BASE_URL is required when BIRD_API_KEY does not name its region (bk_us1_… / bk_eu1_…)');
    }
    if (settings.BIRD_CATEGORY && !CATEGORIES.includes(settings.BIRD_CATEGORY)) {
      problems.push(`BIRD_CATEGORY "${settings.BIRD_CATEGORY}" must be one of ${CATEGORIES.join(', ')}`);
    }
    return problems;
  },
  create: (settings, deps) =>
    createBird({
      apiKey: settings.BIRD_API_KEY as string,
      from: settings.BIRD_FROM as string,
      category: settings.BIRD_CATEGORY as string,
      baseUrl: settings.BIRD_BASE_URL || (birdBaseUrl(settings.BIRD_API_KEY as string) as string),
      fetch: deps.fetch,
    }),
};
export default definition;
