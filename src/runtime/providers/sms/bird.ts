/**
 * Bird platform API: `POST https://{region}.platform.bird.com/v1/sms/messages`, JSON, Bearer
 * key, 202 with `id`. The region (`us1`, `eu1`) is read from the key (`bk_{region}_…`) unless
 * BIRD_BASE_URL says otherwise. Free text is sent with `from` and `category: authentication`; a
 * mapped template is sent by `slug` with only the parameters it declares (BIRD_TEMPLATE_PARAMETERS).
 *
 * What each rule follows (messagebird/bird-sdk-typescript packages/sdk/src/generated/types.gen.ts,
 * `SmsMessageSendRequest`, `SmsTemplateSend`, `IdempotencyKey`; src/region.ts; src/resources/sms.ts):
 * - A template send takes no `from` and no `category` ("not accepted alongside it"), and its
 *   `parameters` only the template's declared keys: "an undeclared key … returns a 422".
 * - Errors `{error:{type, code, name, message, param, …}}`; a recipient that cannot be routed is a
 *   422 `SMSInvalidRecipient` (about the recipient); 429 carries `Retry-After`.
 * - Idempotent: `Idempotency-Key` replays the first answer for 3 h; 409 `request_in_progress`
 *   (E01004) means "wait briefly and retry"; `idempotency_key_reuse` (E01005) is a different body
 *   under the same key.
 */
import * as v from 'valibot';
import { baseUrl, httpFailure, request, type FetchLike, type HttpProfile } from '../http.ts';
import { optional, required } from '../common/settings.ts';
import { flattenVariables, tagSafe } from '../common/variables.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface BirdOptions {
  apiKey: string;
  /** A number or sender ID the workspace owns. */
  from: string;
  category: string;
  /** The relay variables (dotted paths) a mapped template declares; default `code`. */
  templateParameters?: string[] | undefined;
  baseUrl: string;
  fetch: FetchLike;
}

interface BirdError {
  error?: { type?: string; code?: string; name?: string; message?: string; param?: string; remediation?: string };
}

const CATEGORIES = ['authentication', 'transactional', 'service', 'marketing'] as const;

/** The API base for a key: `bk_eu1_…` → `https://eu1.platform.bird.com`. */
export function birdBaseUrl(apiKey: string): string | undefined {
  const region = /^bk_([a-z]+\d+)_/.exec(apiKey)?.[1];
  return region ? `https://${region}.platform.bird.com` : undefined;
}

/** Builds the body; exported for the contract test against Bird's documented fields. */
export function birdBody(message: SmsMessage, options: Pick<BirdOptions, 'from' | 'category' | 'templateParameters'>): Record<string, unknown> {
  const body: Record<string, unknown> = { to: message.to };
  if (message.hostedTemplate) {
    // Only the declared keys: Bird refuses the whole send for one it does not know.
    const all = flattenVariables(message.hostedTemplate.variables);
    const wanted = options.templateParameters ?? ['code'];
    const parameters = Object.fromEntries(wanted.filter((name) => all[name] !== undefined).map((name) => [name, all[name]]));
    body.template = { slug: message.hostedTemplate.id, parameters };
  } else {
    body.from = options.from;
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

const PROFILE: HttpProfile = {
  provider: 'bird',
  hint: (status) =>
    status === 401
      ? 'check BIRD_API_KEY, and that BIRD_BASE_URL matches its region'
      : status === 402
        ? 'the Bird workspace balance is too low'
        : status === 403
          ? 'BIRD_API_KEY lacks permission to send SMS'
          : undefined,
};

export function createBird(options: BirdOptions): SmsProvider {
  const url = `${baseUrl(options.baseUrl)}/v1/sms/messages`;
  return {
    name: 'bird',
    channel: 'sms',
    idempotent: true,
    async send(message, ctx) {
      const answer = await request({
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
      });
      if (answer.ok) return { provider: 'bird', messageId: answer.json<{ id?: string }>()?.id };
      const failure = answer.json<BirdError>()?.error;
      const where = failure?.param ? ` [${failure.param}]` : '';
      throw httpFailure(answer, PROFILE, {
        // E01004: the first request with this key is still running; asking again soon returns its answer.
        kind: failure?.code === 'E01004' || failure?.name === 'request_in_progress' ? 'retryable' : undefined,
        providerCode: failure?.code ?? failure?.name,
        providerMessage: failure?.message ? `${failure.code ?? ''} ${failure.name ?? ''}: ${failure.message}${where}`.trim() : undefined,
        hint:
          failure?.name === 'SMSInvalidRecipient'
            ? "the user's phone_number cannot be routed"
            : failure?.param === 'template' || failure?.param?.startsWith('template.')
              ? 'check the mapped Bird template and BIRD_TEMPLATE_PARAMETERS (only the variables it declares)'
              : failure?.remediation,
        // The number itself cannot be routed: another provider cannot reach it either.
        recipient: failure?.name === 'SMSInvalidRecipient' || failure?.param === 'to',
      });
    },
  };
}

const schema = v.object({
  BIRD_API_KEY: required('BIRD_API_KEY'),
  BIRD_FROM: required('BIRD_FROM'),
  BIRD_CATEGORY: v.optional(v.picklist(CATEGORIES, `BIRD_CATEGORY must be one of ${CATEGORIES.join(', ')}`), 'authentication'),
  BIRD_TEMPLATE_PARAMETERS: v.optional(
    v.pipe(v.string(), v.regex(/^\s*[\w.:-]+(\s*,\s*[\w.:-]+)*\s*$/, 'BIRD_TEMPLATE_PARAMETERS must be variable names separated by commas, e.g. code,user.given_name')),
    'code',
  ),
  BIRD_BASE_URL: optional(),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'bird',
  channel: 'sms',
  settings: [
    { env: 'BIRD_API_KEY', required: true, secret: true, description: 'a Bird API key (bk_us1_… or bk_eu1_…)' },
    { env: 'BIRD_FROM', required: true, description: 'a number (E.164) or sender ID of the workspace to send free text from' },
    {
      env: 'BIRD_CATEGORY',
      default: 'authentication',
      description: `the SMS category of free text: ${CATEGORIES.join(', ')}`,
    },
    {
      env: 'BIRD_TEMPLATE_PARAMETERS',
      default: 'code',
      description: 'the variables a mapped Bird template declares, comma-separated (e.g. code,user.given_name); others are not sent',
    },
    { env: 'BIRD_BASE_URL', description: 'API base URL; by default https://{region}.platform.bird.com from the key' },
  ],
  schema,
  // Templates by slug, e.g. `bird_otp_verification` [types.gen.ts `SmsTemplateSend.slug`].
  hostedTemplateId: { pattern: /^\S+$/, example: 'bird_otp_verification' },
  validate: (settings) => {
    const problems: string[] = [];
    if (settings.BIRD_API_KEY && !settings.BIRD_BASE_URL && !birdBaseUrl(settings.BIRD_API_KEY)) {
      problems.push('BIRD_BASE_URL is required when BIRD_API_KEY does not name its region (bk_us1_… / bk_eu1_…)');
    }
    if (settings.BIRD_CATEGORY && !(CATEGORIES as readonly string[]).includes(settings.BIRD_CATEGORY)) {
      problems.push(`BIRD_CATEGORY "${settings.BIRD_CATEGORY}" must be one of ${CATEGORIES.join(', ')}`);
    }
    return problems;
  },
  create: (settings, deps) =>
    createBird({
      apiKey: settings.BIRD_API_KEY,
      from: settings.BIRD_FROM,
      category: settings.BIRD_CATEGORY,
      templateParameters: settings.BIRD_TEMPLATE_PARAMETERS.split(',').map((name) => name.trim()).filter(Boolean),
      baseUrl: settings.BIRD_BASE_URL || birdBaseUrl(settings.BIRD_API_KEY) || '',
      fetch: deps.fetch,
    }),
};
export default definition;
