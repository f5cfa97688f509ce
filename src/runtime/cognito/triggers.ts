/**
 * The trigger catalogue: every `triggerSource` Cognito sends to a custom sender, and what the
 * relay must do for it (as AWS's custom sender trigger reference lists them). One table so a newcomer finds every trigger rule here.
 */

export type Channel = 'email' | 'sms';

/** The action behind a trigger, shared by both channels (e.g. `SignUp`). */
export type TriggerName =
  | 'SignUp'
  | 'ResendCode'
  | 'ForgotPassword'
  | 'UpdateUserAttribute'
  | 'VerifyUserAttribute'
  | 'AdminCreateUser'
  | 'Authentication'
  | 'AccountTakeOverNotification';

export interface TriggerRule {
  /** The full `triggerSource` string Cognito sends. */
  source: string;
  channel: Channel;
  name: TriggerName;
  /** Whether `request.code` must carry an encrypted code. */
  needsCode: boolean;
  /** AdminCreateUser: the code is a temporary password that Cognito HTML-escaped. */
  codeIsTemporaryPassword: boolean;
  /** Short, kebab-case tag for providers' analytics, e.g. `cognito-signup`. */
  tag: string;
}

const NAMES: Record<Channel, TriggerName[]> = {
  email: [
    'SignUp',
    'ResendCode',
    'ForgotPassword',
    'UpdateUserAttribute',
    'VerifyUserAttribute',
    'AdminCreateUser',
    'Authentication',
    'AccountTakeOverNotification',
  ],
  sms: [
    'SignUp',
    'ResendCode',
    'ForgotPassword',
    'UpdateUserAttribute',
    'VerifyUserAttribute',
    'AdminCreateUser',
    'Authentication',
  ],
};

const PREFIX: Record<Channel, string> = { email: 'CustomEmailSender_', sms: 'CustomSMSSender_' };

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Every trigger source, email (8) then SMS (7). */
export const TRIGGERS: readonly TriggerRule[] = (['email', 'sms'] as const).flatMap((channel) =>
  NAMES[channel].map((name) => ({
    source: PREFIX[channel] + name,
    channel,
    name,
    needsCode: name !== 'AccountTakeOverNotification',
    codeIsTemporaryPassword: name === 'AdminCreateUser',
    tag: `cognito-${kebab(name)}`,
  })),
);

const BY_SOURCE = new Map(TRIGGERS.map((t) => [t.source, t]));

/** The rule for a trigger source, or undefined when Cognito sent one we do not know. */
export function findTrigger(source: string): TriggerRule | undefined {
  return BY_SOURCE.get(source);
}

/** The `request.type` Cognito sends with each channel. */
export const REQUEST_TYPE: Record<Channel, string> = {
  email: 'customEmailSenderRequestV1',
  sms: 'customSMSSenderRequestV1',
};
