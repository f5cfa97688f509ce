/**
 * Amazon SES v2 `SendEmail` through the AWS SDK v3 (SigV4 and the Lambda role's credentials
 * come for free). Plain content, or a stored SES template (`TemplateName` + `TemplateData`).
 * Tags become `EmailTags`; a configuration set routes events and can carry its own
 * suppression and tracking options (SES has no per-message tracking switch).
 *
 * What each rule follows (aws/api-models-aws sesv2/service/2019-09-27/sesv2-2019-09-27.json,
 * operation `SendEmail`):
 * - Errors: 400 AccountSuspendedException, BadRequestException, LimitExceededException,
 *   MailFromDomainNotVerifiedException, MessageRejected, SendingPausedException; 404
 *   NotFoundException; 429 TooManyRequestsException (retryable). LimitExceededException is
 *   "too many instances of the specified resource type" — a resource count, not a sending rate:
 *   trying again cannot help, another provider can. None is about the recipient alone (in the
 *   SES sandbox an unverified recipient is MessageRejected: this account's setting).
 * - No idempotency token; no Retry-After documented.
 */
import * as v from 'valibot';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { awsClientConfig, awsProviderError } from '../common/aws.ts';
import { formatMailbox } from '../common/address.ts';
import { optional, optionalUrl } from '../common/settings.ts';
import { tagSafe } from '../common/variables.ts';
import type { EmailMessage, EmailProvider, ProviderDefinition } from '../types.ts';

export interface SesOptions {
  region: string | undefined;
  /** Overrides the endpoint (tests, VPC endpoints); `AWS_ENDPOINT_URL_SESV2` works too. */
  endpoint?: string | undefined;
  configurationSet?: string | undefined;
}

const HINTS: Record<string, string> = {
  MessageRejected:
    'SES refused the message: while the account is in the SES sandbox the recipient must be verified too; otherwise check EMAIL_FROM is a verified identity',
  MailFromDomainNotVerifiedException: 'the custom MAIL FROM domain of EMAIL_FROM is not verified in SES',
  AccountSuspendedException: 'SES suspended sending for this account; see the SES console reputation dashboard',
  SendingPausedException: 'sending is paused for this account or for SES_CONFIGURATION_SET',
  NotFoundException: 'SES_CONFIGURATION_SET or the mapped SES template does not exist in this region',
  BadRequestException: 'check EMAIL_FROM, the template data and SES_CONFIGURATION_SET',
  LimitExceededException: 'an SES resource limit of this account is reached (e.g. the number of configuration sets or templates)',
};

/** Builds the SendEmail input; exported for the contract test against the SES Smithy model. */
export function sesInput(message: EmailMessage, configurationSet: string | undefined): SendEmailCommandInput {
  const input: SendEmailCommandInput = {
    FromEmailAddress: formatMailbox(message.from, { encodeNonAscii: true }),
    Destination: { ToAddresses: [message.to] },
    Content: message.hostedTemplate
      ? {
          Template: {
            TemplateName: message.hostedTemplate.id,
            TemplateData: JSON.stringify(message.hostedTemplate.variables),
          },
        }
      : {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              Html: { Data: message.html, Charset: 'UTF-8' },
            },
          },
        },
    EmailTags: [
      ...message.tags.slice(0, 1).map((tag) => ({ Name: 'category', Value: tagSafe(tag) })),
      ...Object.entries(message.metadata).map(([key, value]) => ({ Name: tagSafe(key), Value: tagSafe(value) })),
    ].filter((tag) => tag.Value.length > 0),
  };
  if (message.replyTo) input.ReplyToAddresses = [message.replyTo];
  if (configurationSet) input.ConfigurationSetName = configurationSet;
  return input;
}

export function createSes(options: SesOptions): EmailProvider {
  // Built once per cold start; the SDK keeps its connections alive between invocations.
  const client = new SESv2Client(awsClientConfig({ region: options.region, endpoint: options.endpoint }));
  return {
    name: 'ses',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      try {
        const output = await client.send(new SendEmailCommand(sesInput(message, options.configurationSet)), { abortSignal: ctx.signal });
        return { provider: 'ses', messageId: output.MessageId };
      } catch (error) {
        throw awsProviderError('ses', error, {
          hints: HINTS,
          permissionHint: 'the function role needs ses:SendEmail on the EMAIL_FROM identity (and the configuration set)',
        });
      }
    },
  };
}

const schema = v.object({
  SES_CONFIGURATION_SET: optional(),
  SES_REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'SES_REGION must be an AWS region, e.g. eu-west-1'))),
  SES_BASE_URL: optionalUrl('SES_BASE_URL'),
});

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'ses',
  channel: 'email',
  settings: [
    { env: 'SES_CONFIGURATION_SET', description: 'an SES configuration set for event publishing, suppression and tracking options' },
    { env: 'SES_REGION', description: "the SES region, when not the function's own region" },
    { env: 'SES_BASE_URL', description: 'endpoint override (VPC endpoint, tests); AWS_ENDPOINT_URL_SESV2 works too' },
  ],
  schema,
  // `TemplateName`: letters, digits, `_` and `-` [sesv2 model `EmailTemplateName`].
  hostedTemplateId: { pattern: /^[\w-]+$/, example: 'CognitoSignUp' },
  create: (settings, deps) =>
    createSes({
      region: settings.SES_REGION || deps.region,
      endpoint: settings.SES_BASE_URL,
      configurationSet: settings.SES_CONFIGURATION_SET,
    }),
};
export default definition;
