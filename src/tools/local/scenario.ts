/**
 * Turns "fire this trigger for this user" into exactly what Cognito would send: the event's
 * attributes for that trigger, a code (random unless given), HTML-escaped like Cognito escapes
 * temporary passwords, encrypted under the pool's key. Shared by the sandbox UI and
 * `cognito-relay simulate`.
 *
 * @example
 * const scenario = prepareScenario({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' } });
 * const event = await buildEvent(scenario, (code) => stack.encrypt(code, scenario.userPoolId));
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { findTrigger, TRIGGERS, type TriggerRule } from '../../runtime/cognito/triggers.ts';
import { accountTakeOverAttributes, sampleEvent, SAMPLE_POOL_ID } from './sample-events.ts';
import { RelayError } from '../../runtime/errors.ts';

export interface FireRequest {
  /** Full trigger source (`CustomSMSSender_ForgotPassword`); a bare name (`SignUp`) means email. */
  triggerSource: string;
  /** `event.userName`. Default `ada`. */
  userName?: string | undefined;
  /** The user's attributes: email, phone_number, given_name, locale, custom:… */
  attributes?: Record<string, string> | undefined;
  /** AccountTakeOverNotification only: event attributes (ACCOUNT_TAKE_OVER_ACTION, CITY…) over the defaults. */
  riskAttributes?: Record<string, string> | undefined;
  /** `request.clientMetadata`; empty means Cognito's `null`. */
  clientMetadata?: Record<string, string> | undefined;
  /** The plaintext code; empty or absent for a random one. Ignored for AccountTakeOverNotification. */
  code?: string | undefined;
  userPoolId?: string | undefined;
}

export interface Scenario {
  rule: TriggerRule;
  userPoolId: string;
  userName: string;
  /** The plaintext code the user will see (undefined for AccountTakeOverNotification). */
  code: string | undefined;
  /** What Cognito encrypts: the code, with `<` and `>` HTML-escaped for temporary passwords. */
  codeAsCognitoSendsIt: string | undefined;
  /** `request.userAttributes` of the event. */
  eventAttributes: Record<string, string>;
  /** What AdminGetUser returns for this user (the profile, for events that carry no email). */
  profile: Record<string, string>;
  clientMetadata: Record<string, string> | null;
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
// Cognito's password symbols; `<` and `>` among them, so the escaping path is exercised.
const SYMBOLS = '^$*.[]{}()?!@#%&/,><:;|_~=+-';

/** Six digits, like Cognito's verification codes. */
export function randomCode(): string {
  return Array.from({ length: 6 }, () => DIGITS[randomInt(10)]).join('');
}

/** A temporary password meeting Cognito's default policy (upper, lower, digit, symbol). */
export function randomTemporaryPassword(): string {
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS)];
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  while (chars.length < 10) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** Cognito HTML-escapes `<` and `>` in temporary passwords before encrypting them. */
export function escapeLikeCognito(password: string): string {
  return password.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Accepts `CustomEmailSender_SignUp`, `CustomSMSSender_SignUp`, or `SignUp` (email). */
export function resolveTrigger(input: string, channel?: 'email' | 'sms'): TriggerRule | undefined {
  const exact = findTrigger(input);
  if (exact) return exact;
  const wanted = input.toLowerCase();
  return TRIGGERS.find((t) => t.name.toLowerCase() === wanted && t.channel === (channel ?? 'email'));
}

/** A UUID-shaped `sub` that stays the same for a user name, as Cognito's would. */
function subFor(userName: string): string {
  const hex = createHash('sha256').update(`sandbox-sub:${userName}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function withoutEmpty(values: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([key, value]) => key.trim() !== '' && value !== ''));
}

export function prepareScenario(request: FireRequest): Scenario {
  const rule = resolveTrigger(request.triggerSource);
  if (!rule) {
    throw new RelayError('UNKNOWN_TRIGGER', `unknown trigger "${request.triggerSource}"; choose one of ${TRIGGERS.map((t) => t.source).join(', ')}`);
  }
  const userName = request.userName?.trim() || 'ada';
  const userPoolId = request.userPoolId?.trim() || SAMPLE_POOL_ID;
  const given = withoutEmpty(request.attributes);
  const verifying = rule.name === 'SignUp' || rule.name === 'ResendCode';
  const status = verifying ? 'UNCONFIRMED' : rule.name === 'AdminCreateUser' ? 'FORCE_CHANGE_PASSWORD' : 'CONFIRMED';
  const profile: Record<string, string> = {
    sub: subFor(userName),
    ...(given.email ? { email_verified: String(!verifying || rule.channel !== 'email') } : {}),
    ...(given.phone_number ? { phone_number_verified: String(!verifying || rule.channel !== 'sms') } : {}),
    'cognito:user_status': status,
    ...given,
  };

  const metadata = withoutEmpty(request.clientMetadata);
  const clientMetadata = Object.keys(metadata).length > 0 ? metadata : null;

  if (rule.name === 'AccountTakeOverNotification') {
    // Cognito sends the sign-in's risk details instead of the user's attributes, and no code.
    const eventAttributes = accountTakeOverAttributes({
      EVENT_ID: randomUUID(),
      USER_NAME: userName,
      LOGIN_TIME: new Date().toISOString(),
      ...withoutEmpty(request.riskAttributes),
    });
    return { rule, userPoolId, userName, code: undefined, codeAsCognitoSendsIt: undefined, eventAttributes, profile, clientMetadata };
  }

  const code = request.code?.trim() || (rule.codeIsTemporaryPassword ? randomTemporaryPassword() : randomCode());
  return {
    rule,
    userPoolId,
    userName,
    code,
    codeAsCognitoSendsIt: rule.codeIsTemporaryPassword ? escapeLikeCognito(code) : code,
    eventAttributes: profile,
    profile,
    clientMetadata,
  };
}

/** The Cognito event for a scenario, with the code encrypted by `encrypt`. */
export async function buildEvent(scenario: Scenario, encrypt: (plaintext: string) => Promise<string>) {
  const code = scenario.codeAsCognitoSendsIt === undefined ? null : await encrypt(scenario.codeAsCognitoSendsIt);
  return sampleEvent({
    triggerSource: scenario.rule.source,
    code,
    userPoolId: scenario.userPoolId,
    region: scenario.userPoolId.split('_')[0] || 'eu-west-1',
    userName: scenario.userName,
    userAttributes: scenario.eventAttributes,
    clientMetadata: scenario.clientMetadata,
  });
}
