/**
 * Amazon SNS `Publish` straight to a phone number, through the AWS SDK v3. Always marked
 * `Transactional` (higher delivery priority, allowed to go to numbers on DND lists where the
 * carrier permits); optional sender ID and origination number. SNS has no templates and no
 * tags: a hosted-template mapping is ignored and the locally rendered text is sent.
 *
 * What each rule follows (aws/api-models-aws sns/service/2010-03-31/sns-2010-03-31.json,
 * operation `Publish`; https://docs.aws.amazon.com/sns/latest/dg/sms_publish-to-phone.html):
 * - Message attributes `AWS.SNS.SMS.SMSType`, `AWS.SNS.SMS.SenderID`, `AWS.MM.SMS.OriginationNumber`,
 *   `AWS.SNS.SMS.MaxPrice`.
 * - Errors: Throttled (retryable), InternalError (retryable), AuthorizationError, InvalidParameter
 *   (an invalid PhoneNumber says so only in its text: "Invalid parameter: PhoneNumber …", which is
 *   about the recipient), KMS*, EndpointDisabled…
 * - `MessageDeduplicationId` is for FIFO topics only: no idempotency for SMS.
 */
import * as v from 'valibot';
import { PublishCommand, SNSClient, type MessageAttributeValue, type PublishCommandInput } from '@aws-sdk/client-sns';
import { awsClientConfig, awsProviderError } from '../common/aws.ts';
import { optional, optionalUrl } from '../common/settings.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface SnsOptions {
  region: string | undefined;
  /** Overrides the endpoint (tests, VPC endpoints); `AWS_ENDPOINT_URL_SNS` works too. */
  endpoint?: string | undefined;
  /** Alphanumeric sender ID, where the destination country supports one. */
  senderId?: string | undefined;
  /** A phone number (E.164) of this account to send from. */
  originationNumber?: string | undefined;
  /** Highest price in USD this one message may cost. */
  maxPrice?: string | undefined;
}

const HINTS: Record<string, string> = {
  InvalidParameterException: "check the user's phone_number (E.164) and SNS_SENDER_ID / SNS_ORIGINATION_NUMBER",
  InvalidParameterValueException: "check the user's phone_number (E.164) and SNS_SENDER_ID / SNS_ORIGINATION_NUMBER",
  ValidationException: "check the user's phone_number (E.164)",
};

function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** Builds the Publish input; exported for the contract test against the SNS Smithy model. */
export function snsInput(message: SmsMessage, options: Pick<SnsOptions, 'senderId' | 'originationNumber' | 'maxPrice'>): PublishCommandInput {
  const attributes: Record<string, MessageAttributeValue> = {
    // Per message, so the account's default (often Promotional) never delays a code.
    'AWS.SNS.SMS.SMSType': stringAttribute('Transactional'),
  };
  if (options.senderId) attributes['AWS.SNS.SMS.SenderID'] = stringAttribute(options.senderId);
  if (options.originationNumber) attributes['AWS.MM.SMS.OriginationNumber'] = stringAttribute(options.originationNumber);
  if (options.maxPrice) attributes['AWS.SNS.SMS.MaxPrice'] = { DataType: 'Number', StringValue: options.maxPrice };
  return { PhoneNumber: message.to, Message: message.text, MessageAttributes: attributes };
}

export function createSns(options: SnsOptions): SmsProvider {
  const client = new SNSClient(awsClientConfig({ region: options.region, endpoint: options.endpoint }));
  return {
    name: 'sns',
    channel: 'sms',
    idempotent: false,
    async send(message, ctx) {
      try {
        const output = await client.send(new PublishCommand(snsInput(message, options)), { abortSignal: ctx.signal });
        return { provider: 'sns', messageId: output.MessageId };
      } catch (error) {
        throw awsProviderError('sns', error, {
          hints: HINTS,
          permissionHint: 'the function role needs sns:Publish (on "*" for SMS to phone numbers)',
          // "Invalid parameter: PhoneNumber Reason: … is not valid to publish to"
          aboutRecipient: (e) => (e.name ?? '').startsWith('InvalidParameter') && /PhoneNumber/.test(e.message ?? ''),
        });
      }
    },
  };
}

const schema = v.object({
  SNS_SENDER_ID: optional(),
  SNS_ORIGINATION_NUMBER: optional(),
  SNS_MAX_PRICE: optional(),
  SNS_REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'SNS_REGION must be an AWS region, e.g. eu-west-1'))),
  SNS_BASE_URL: optionalUrl('SNS_BASE_URL'),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'sns',
  channel: 'sms',
  settings: [
    { env: 'SNS_SENDER_ID', description: 'alphanumeric sender ID (AWS.SNS.SMS.SenderID), where the country supports one' },
    { env: 'SNS_ORIGINATION_NUMBER', description: 'an E.164 number of this account to send from (AWS.MM.SMS.OriginationNumber)' },
    { env: 'SNS_MAX_PRICE', description: 'highest price in USD one message may cost (AWS.SNS.SMS.MaxPrice)' },
    { env: 'SNS_REGION', description: "the SNS region, when not the function's own region" },
    { env: 'SNS_BASE_URL', description: 'endpoint override (VPC endpoint, tests); AWS_ENDPOINT_URL_SNS works too' },
  ],
  schema,
  validate: (settings) => {
    const problems: string[] = [];
    if (settings.SNS_ORIGINATION_NUMBER && !/^\+[1-9]\d{4,14}$/.test(settings.SNS_ORIGINATION_NUMBER)) {
      problems.push(`SNS_ORIGINATION_NUMBER "${settings.SNS_ORIGINATION_NUMBER}" is not an E.164 number like +14155550100`);
    }
    if (settings.SNS_SENDER_ID && !/^(?=.*[A-Za-z])[A-Za-z0-9-]{1,11}$/.test(settings.SNS_SENDER_ID)) {
      problems.push('SNS_SENDER_ID must be 1–11 letters, digits or hyphens, with at least one letter');
    }
    if (settings.SNS_MAX_PRICE && !/^\d+(\.\d+)?$/.test(settings.SNS_MAX_PRICE)) {
      problems.push(`SNS_MAX_PRICE "${settings.SNS_MAX_PRICE}" is not a price in USD like 0.50`);
    }
    return problems;
  },
  create: (settings, deps) =>
    createSns({
      region: settings.SNS_REGION || deps.region,
      endpoint: settings.SNS_BASE_URL,
      senderId: settings.SNS_SENDER_ID,
      originationNumber: settings.SNS_ORIGINATION_NUMBER,
      maxPrice: settings.SNS_MAX_PRICE,
    }),
};
export default definition;
