/**
 * Who the message goes to: `email` or `phone_number` from the event's user attributes. Events
 * without an email (AccountTakeOverNotification carries none) look the user up with Cognito
 * `AdminGetUser` — the function role needs `cognito-idp:AdminGetUser` on the pool for that.
 */
import { EventError, RecipientError } from '../errors.ts';
import type { Channel } from './triggers.ts';

export type UserLookup = (userPoolId: string, userName: string) => Promise<Record<string, string>>;

const E164 = /^\+[1-9]\d{6,14}$/;

// RFC 5321/5322 dot-atom on both sides (RFC 6531 letters allowed), nothing else: no quoted local
// part, no comment, no group, no domain literal. Mailers parse anything beyond that — nodemailer
// turns `a:b@x.com;` into a group, drops NUL and control characters, moves `(…)` into the name —
// so the address they send to would no longer be the one Cognito verified.
const ALNUM = '\\p{L}\\p{N}\\p{M}';
const ATOM = `[${ALNUM}!#$%&'*+/=?^_\`{|}~-]+`;
const LABEL = `[${ALNUM}](?:[${ALNUM}-]*[${ALNUM}])?`;
const DOT_ATOM_ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@${LABEL}(?:\\.${LABEL})+$`, 'u');
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const REINTERPRETED = /[\s:;\\"<>()[\],]/u;

/**
 * Why `email` cannot be sent to exactly as it is, or undefined when it can. Never echoes the
 * address (it is personal data).
 */
export function emailAddressProblem(email: string): string | undefined {
  // RFC 5321 limits; checked first so the pattern below only ever sees short input.
  if (email.length > 254 || email.lastIndexOf('@') > 64) return 'is longer than an email address may be';
  if (CONTROL.test(email)) return 'contains a control or invisible character (e.g. NUL), which mailers drop or rewrite';
  if (REINTERPRETED.test(email)) {
    return 'contains white space or a character a mailer would reinterpret (: ; \\ " < > ( ) [ ] ,)';
  }
  if (!DOT_ATOM_ADDRESS.test(email)) return 'is not an email address like name@example.com';
  return undefined;
}

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
  const problem = emailAddressProblem(email);
  if (problem) throw new EventError('request.userAttributes.email', problem);
  // Byte for byte the attribute Cognito verified: never trimmed, normalised or re-encoded.
  return { to: email, attributes };
}
