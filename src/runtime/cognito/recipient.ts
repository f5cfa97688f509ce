/**
 * Who the message goes to: `email` or `phone_number` from the event's user attributes. Events
 * without an email (AccountTakeOverNotification carries none) look the user up with Cognito
 * `AdminGetUser` — the function role needs `cognito-idp:AdminGetUser` on the pool for that.
 */
import { EventError, RecipientError } from '../errors.ts';
import type { Channel } from './triggers.ts';

export type UserLookup = (userPoolId: string, userName: string) => Promise<Record<string, string>>;

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/** AdminGetUser through the AWS SDK, loaded only the first time an event needs it. */
export function createUserLookup(region: string): UserLookup {
  let client: Promise<{ send: (command: unknown) => Promise<unknown>; Command: new (input: unknown) => unknown }> | undefined;
  return async (userPoolId, userName) => {
    client ??= import('@aws-sdk/client-cognito-identity-provider').then((sdk) => {
      // One client per warm instance, so lookups reuse its connection.
      const cognito = new sdk.CognitoIdentityProviderClient({ region });
      return {
        send: (command: unknown) => cognito.send(command as never),
        Command: sdk.AdminGetUserCommand as unknown as new (input: unknown) => unknown,
      };
    });
    const { send, Command } = await client;
    try {
      const output = (await send(new Command({ UserPoolId: userPoolId, Username: userName }))) as {
        UserAttributes?: { Name?: string; Value?: string }[];
      };
      return Object.fromEntries((output.UserAttributes ?? []).map((a) => [a.Name ?? '', a.Value ?? '']));
    } catch (error) {
      const name = (error as Error).name;
      const hint =
        name === 'AccessDeniedException'
          ? 'grant the function role cognito-idp:AdminGetUser on the user pool'
          : name === 'UserNotFoundException'
            ? 'the user no longer exists'
            : 'see the cause';
      throw new RecipientError(`could not look up the user's email with AdminGetUser (${name}): ${hint}`, { cause: error });
    }
  };
}

/**
 * Returns the validated recipient for the channel. Invalid values fail with an error naming the
 * attribute, before any KMS or provider call.
 */
export async function findRecipient(input: {
  channel: Channel;
  userPoolId: string;
  userName: string;
  userAttributes: Record<string, string>;
  lookupUser: UserLookup;
}): Promise<{ to: string; attributes: Record<string, string> }> {
  const { channel, userAttributes } = input;
  if (channel === 'sms') {
    const phone = userAttributes.phone_number;
    if (!phone) throw new EventError('request.userAttributes.phone_number', 'is required for an SMS trigger');
    if (!E164.test(phone)) throw new EventError('request.userAttributes.phone_number', 'is not an E.164 phone number like +14155550123');
    return { to: phone, attributes: userAttributes };
  }
  let attributes = userAttributes;
  let email = userAttributes.email;
  if (email === undefined) {
    // The ATO event carries the sign-in details as attributes but not the address.
    const looked = await input.lookupUser(input.userPoolId, input.userName);
    email = looked.email;
    if (!email) throw new RecipientError('the user has no email attribute, so there is nobody to send this email to');
    attributes = { ...looked, ...userAttributes };
  }
  if (!EMAIL.test(email)) throw new EventError('request.userAttributes.email', 'is not an email address');
  return { to: email, attributes };
}
