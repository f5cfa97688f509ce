/**
 * AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API) `SendTextMessage`, through the
 * AWS SDK v3: `MessageType: TRANSACTIONAL`, from an origination identity (phone number, sender
 * ID, pool or their ARN), with an optional configuration set for events. The trigger tag and
 * correlation metadata travel as `Context` to the event destinations. No hosted templates.
 *
 * What each rule follows (aws/api-models-aws pinpoint-sms-voice-v2/service/2022-03-31/
 * pinpoint-sms-voice-v2-2022-03-31.json, operation `SendTextMessage`):
 * - Errors: AccessDeniedException, ConflictException, InternalServerException (retryable),
 *   ResourceNotFoundException, ServiceQuotaExceededException ("would cause a service quota to be
 *   exceeded": a spend or message limit — trying again cannot help, another provider can),
 *   ThrottlingException (retryable), ValidationException.
 * - ConflictException `Reason: DESTINATION_PHONE_NUMBER_OPTED_OUT` is the recipient's STOP.
 * - `MaxPrice` must match `^[0-9]{0,2}\.[0-9]{1,5}$`, checked at cold start.
 * - No idempotency token.
 */
import * as v from 'valibot';
import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { awsClientConfig, awsProviderError } from '../common/aws.ts';
import { optional, optionalUrl } from '../common/settings.ts';
import type { ProviderDefinition, SmsMessage, SmsProvider } from '../types.ts';

export interface EumOptions {
  region: string | undefined;
  /** Overrides the endpoint (tests, VPC endpoints); `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2` works too. */
  endpoint?: string | undefined;
  originationIdentity?: string | undefined;
  configurationSet?: string | undefined;
  maxPrice?: string | undefined;
}

const HINTS: Record<string, string> = {
  ValidationException: "check the user's phone_number (E.164), EUM_ORIGINATION_IDENTITY and that the destination country is enabled",
  ConflictException: 'the recipient opted out, or the origination identity cannot send to this destination',
  ResourceNotFoundException: 'EUM_ORIGINATION_IDENTITY or EUM_CONFIGURATION_SET does not exist in this region',
  ServiceQuotaExceededException: 'a spend or message quota of End User Messaging SMS is exhausted; raise it in the console',
};

/** `Context` allows 5 entries, keys without spaces (≤100), values ≤800 without edge spaces. */
function context(message: SmsMessage): Record<string, string> {
  const entries: [string, string][] = [];
  if (message.tags[0]) entries.push(['tag', message.tags[0]]);
  for (const [key, value] of Object.entries(message.metadata)) entries.push([key.replace(/\s+/g, '_').slice(0, 100), value.trim().slice(0, 800)]);
  return Object.fromEntries(entries.filter(([key, value]) => key && value).slice(0, 5));
}

/** Builds the SendTextMessage input; exported for the contract test against the Smithy model. */
export function eumInput(message: SmsMessage, options: Pick<EumOptions, 'originationIdentity' | 'configurationSet' | 'maxPrice'>): SendTextMessageCommandInput {
  const input: SendTextMessageCommandInput = {
    DestinationPhoneNumber: message.to,
    MessageBody: message.text,
    MessageType: 'TRANSACTIONAL',
    Context: context(message),
  };
  if (options.originationIdentity) input.OriginationIdentity = options.originationIdentity;
  if (options.configurationSet) input.ConfigurationSetName = options.configurationSet;
  if (options.maxPrice) input.MaxPrice = options.maxPrice;
  return input;
}

export function createEum(options: EumOptions): SmsProvider {
  const client = new PinpointSMSVoiceV2Client(awsClientConfig({ region: options.region, endpoint: options.endpoint }));
  return {
    name: 'eum',
    channel: 'sms',
    idempotent: false,
    async send(message, ctx) {
      try {
        const output = await client.send(new SendTextMessageCommand(eumInput(message, options)), { abortSignal: ctx.signal });
        return { provider: 'eum', messageId: output.MessageId };
      } catch (error) {
        throw awsProviderError('eum', error, {
          hints: HINTS,
          permissionHint: 'the function role needs sms-voice:SendTextMessage on the origination identity',
          // The recipient texted STOP: no other provider may work around that.
          aboutRecipient: (e) => e.Reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        });
      }
    },
  };
}

/** The model's `MaxPrice` shape. */
const MAX_PRICE = /^[0-9]{0,2}\.[0-9]{1,5}$/;

const schema = v.object({
  EUM_ORIGINATION_IDENTITY: optional(),
  EUM_CONFIGURATION_SET: optional(),
  EUM_MAX_PRICE: optional(),
  EUM_REGION: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'EUM_REGION must be an AWS region, e.g. eu-west-1'))),
  EUM_BASE_URL: optionalUrl('EUM_BASE_URL'),
});

const definition: ProviderDefinition<'sms', v.InferOutput<typeof schema>> = {
  name: 'eum',
  channel: 'sms',
  settings: [
    {
      env: 'EUM_ORIGINATION_IDENTITY',
      description: 'phone number, sender ID, pool ID or their ARN to send from; without it End User Messaging picks one',
    },
    { env: 'EUM_CONFIGURATION_SET', description: 'a configuration set (name or ARN) for event destinations' },
    { env: 'EUM_MAX_PRICE', description: 'highest price in USD one message part may cost' },
    { env: 'EUM_REGION', description: "the End User Messaging region, when not the function's own region" },
    { env: 'EUM_BASE_URL', description: 'endpoint override (VPC endpoint, tests); AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 works too' },
  ],
  schema,
  // Checked at cold start like SNS_MAX_PRICE, so a typo fails the deployment, not a user's sign-up.
  validate: (settings) =>
    settings.EUM_MAX_PRICE && !MAX_PRICE.test(settings.EUM_MAX_PRICE)
      ? [`EUM_MAX_PRICE "${settings.EUM_MAX_PRICE}" is not a price in USD like 0.50 (up to 2 digits, a point, up to 5 decimals)`]
      : [],
  create: (settings, deps) =>
    createEum({
      region: settings.EUM_REGION || deps.region,
      endpoint: settings.EUM_BASE_URL,
      originationIdentity: settings.EUM_ORIGINATION_IDENTITY,
      configurationSet: settings.EUM_CONFIGURATION_SET,
      maxPrice: settings.EUM_MAX_PRICE,
    }),
};
export default definition;
