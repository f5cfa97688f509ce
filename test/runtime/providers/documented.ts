/**
 * Request shapes of the providers that publish no machine-readable spec in a public repository
 * (Brevo, Postmark, SparkPost's API Blueprint, Plivo, Bird), written as closed JSON Schemas from
 * their documented fields — the API reference pages linked on each schema below and SparkPost's
 * `transmissions.apib`. A field the docs do not name fails the check.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

const email = { type: 'string', format: 'email' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const nameValueTags = {
  type: 'array',
  items: { type: 'object', required: ['name', 'value'], additionalProperties: false, properties: { name: { type: 'string' }, value: { type: 'string' } } },
};

const brevoContact = { type: 'object', required: ['email'], additionalProperties: false, properties: { email, name: { type: 'string' } } };

/** POST /v3/smtp/email (https://developers.brevo.com/reference/sendtransacemail). */
const brevo = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: {
    sender: brevoContact,
    to: { type: 'array', minItems: 1, items: brevoContact },
    replyTo: brevoContact,
    subject: { type: 'string', minLength: 1 },
    htmlContent: { type: 'string' },
    textContent: { type: 'string' },
    templateId: { type: 'integer', minimum: 1 },
    params: { type: 'object' },
    tags: { type: 'array', items: { type: 'string' } },
    headers: stringMap,
  },
  // Without a template, sender + subject + content are required.
  if: { not: { required: ['templateId'] } },
  // oxlint-disable-next-line unicorn/no-thenable -- JSON Schema's if/then, not a promise
  then: { required: ['sender', 'subject', 'htmlContent'] },
};

/** POST /email and /email/withTemplate (https://postmarkapp.com/developer/user-guide/send-email-with-api). */
const postmarkCommon = {
  From: { type: 'string' },
  To: { type: 'string' },
  ReplyTo: { type: 'string' },
  Tag: { type: 'string', maxLength: 1000 },
  Metadata: stringMap,
  TrackOpens: { type: 'boolean' },
  TrackLinks: { enum: ['None', 'HtmlAndText', 'HtmlOnly', 'TextOnly'] },
  MessageStream: { type: 'string' },
  Headers: { type: 'array' },
};
const postmarkEmail = {
  type: 'object',
  additionalProperties: false,
  required: ['From', 'To', 'Subject'],
  anyOf: [{ required: ['HtmlBody'] }, { required: ['TextBody'] }],
  properties: { ...postmarkCommon, Subject: { type: 'string' }, HtmlBody: { type: 'string' }, TextBody: { type: 'string' } },
};
const postmarkTemplate = {
  type: 'object',
  additionalProperties: false,
  required: ['From', 'To', 'TemplateModel'],
  oneOf: [{ required: ['TemplateId'] }, { required: ['TemplateAlias'] }],
  properties: { ...postmarkCommon, TemplateId: { type: 'integer' }, TemplateAlias: { type: 'string' }, TemplateModel: { type: 'object' } },
};

/** POST /api/v1/transmissions (SparkPost transmissions.apib "Request Body" data structure). */
const sparkPostFrom = {
  anyOf: [
    { type: 'string' },
    { type: 'object', required: ['email'], additionalProperties: false, properties: { email, name: { type: 'string' } } },
  ],
};
const sparkpost = {
  type: 'object',
  additionalProperties: false,
  required: ['recipients', 'content'],
  properties: {
    options: {
      type: 'object',
      additionalProperties: false,
      properties: {
        start_time: { type: 'string' },
        open_tracking: { type: 'boolean' },
        initial_open: { type: 'boolean' },
        click_tracking: { type: 'boolean' },
        transactional: { type: 'boolean' },
        sandbox: { type: 'boolean' },
        skip_suppression: { type: 'boolean' },
        ip_pool: { type: 'string' },
        inline_css: { type: 'boolean' },
        perform_substitutions: { type: 'boolean' },
        dkim_key: { type: 'string' },
      },
    },
    override: {
      type: 'object',
      additionalProperties: false,
      properties: { from: sparkPostFrom, reply_to: { type: 'string' }, list_id: { type: 'string' } },
    },
    recipients: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['address'],
        additionalProperties: false,
        properties: {
          address: { type: 'object', required: ['email'], additionalProperties: false, properties: { email, name: { type: 'string' } } },
          tags: { type: 'array', items: { type: 'string' } },
          metadata: { type: 'object' },
          substitution_data: { type: 'object' },
        },
      },
    },
    content: {
      oneOf: [
        {
          type: 'object',
          required: ['template_id'],
          additionalProperties: false,
          properties: { template_id: { type: 'string' }, use_draft_template: { type: 'boolean' } },
        },
        {
          type: 'object',
          required: ['from', 'subject'],
          anyOf: [{ required: ['html'] }, { required: ['text'] }],
          additionalProperties: false,
          properties: {
            from: sparkPostFrom,
            subject: { type: 'string' },
            text: { type: 'string' },
            html: { type: 'string' },
            reply_to: { type: 'string' },
            headers: stringMap,
          },
        },
      ],
    },
    campaign_id: { type: 'string', maxLength: 64 },
    description: { type: 'string', maxLength: 1024 },
    metadata: { type: 'object' },
    substitution_data: { type: 'object' },
    return_path: { type: 'string' },
  },
};

/** POST /v1/Account/{auth_id}/Message/ (https://www.plivo.com/docs/sms/api/message/send-a-message/). */
const plivo = {
  type: 'object',
  additionalProperties: false,
  required: ['dst', 'text'],
  oneOf: [{ required: ['src'] }, { required: ['powerpack_uuid'] }],
  properties: {
    src: { type: 'string' },
    powerpack_uuid: { type: 'string' },
    dst: { type: 'string', pattern: '^\\+?[1-9]\\d{4,14}$' },
    text: { type: 'string', minLength: 1 },
    type: { enum: ['sms', 'mms', 'whatsapp'] },
    url: { type: 'string' },
    method: { enum: ['GET', 'POST'] },
    log: { type: 'boolean' },
    trackable: { type: 'boolean' },
  },
};

/**
 * POST /v1/sms/messages (Bird SDK `bird.sms.send`: free text with category + from, or a template;
 * types.gen.ts `SmsMessageSendRequest`: "`from`, `category`, and `media_urls` are not accepted
 * alongside" a template).
 */
const bird = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  oneOf: [
    { required: ['text', 'category', 'from'], not: { required: ['template'] } },
    { required: ['template'], not: { anyOf: [{ required: ['text'] }, { required: ['from'] }, { required: ['category'] }] } },
  ],
  properties: {
    to: { type: 'string', pattern: '^\\+[1-9]\\d{4,14}$' },
    from: { type: 'string' },
    text: { type: 'string', minLength: 1 },
    category: { enum: ['transactional', 'marketing', 'authentication', 'service'] },
    template: {
      type: 'object',
      required: ['slug'],
      additionalProperties: false,
      properties: { slug: { type: 'string' }, id: { type: 'string' }, parameters: stringMap },
    },
    tags: { ...nameValueTags, maxItems: 20 },
    metadata: { type: 'object' },
  },
};

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

const SCHEMAS = { brevo, postmarkEmail, postmarkTemplate, sparkpost, plivo, bird } as const;

/**
 * @example assert.deepEqual(documentedViolations('brevo', body), []);
 */
export function documentedViolations(name: keyof typeof SCHEMAS, body: unknown): string[] {
  const validate = ajv.compile(SCHEMAS[name]);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
