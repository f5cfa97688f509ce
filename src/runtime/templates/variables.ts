/**
 * The values a template can use. Built once per message from the Cognito event and the decrypted
 * code; the same object goes to local templates and to provider-hosted ones.
 */
import type { Channel, TriggerName, TriggerRule } from '../cognito/triggers.ts';
import { DEFAULT_PROFILE, type Brand } from '../config/profiles.ts';

/** Details of the sign-in that raised an AccountTakeOverNotification. */
export type SignInDetails = {
  /** LOGIN_TIME written for people, in the user's `zoneinfo` or UTC, e.g. `December 1, 2023 at 10:30 AM UTC`. */
  time: string;
  /** LOGIN_TIME exactly as Cognito sent it. */
  timeRaw: string;
  /** ISO 8601 (UTC) when LOGIN_TIME could be read as a date, else empty. */
  timeIso: string;
  ip: string;
  city: string;
  country: string;
  /** `city, country`, or whichever of the two is known. */
  location: string;
  device: string;
  /** ACCOUNT_TAKE_OVER_ACTION: `BLOCK`, `NO_ACTION`, `MFA`, `MFA_IF_CONFIGURED` or `MFA_REQUIRED`. */
  action: string;
  eventId: string;
};

export type TemplateVariables = {
  /** The decrypted code or temporary password (unescaped). Absent for AccountTakeOverNotification. */
  code?: string;
  /** `event.userName`: the name the user signs in with. */
  username: string;
  /** Every user attribute Cognito sent, e.g. `user.email`, `user.given_name`, `user.custom:plan`. */
  user: Record<string, string>;
  /** `given_name`, else `name`, else empty: for greetings. */
  name: string;
  /** What the app passed as ClientMetadata (empty object when none). */
  clientMetadata: Record<string, string>;
  trigger: TriggerName;
  triggerSource: string;
  channel: Channel;
  /** The configured application name; may be empty (built-in templates then leave it out). */
  appName: string;
  /** The locale asked for (see resolveLocale). */
  locale: string;
  userPoolId: string;
  region: string;
  /** AccountTakeOverNotification only. */
  signIn?: SignInDetails;
  /** AccountTakeOverNotification only: Cognito's one-click feedback links (http(s) only). */
  links?: { confirm?: string; deny?: string };
  /** AccountTakeOverNotification only: what Cognito did about the sign-in. */
  action?: { type: string; blocked: boolean; mfa: boolean; noAction: boolean };
  /** Verification link to the landing page; only when a link base URL is configured (see LinkVariables). */
  link?: LinkVariables;
  /** The profile of relay.config.json that serves this message (`default` without the file). */
  profile: string;
  /** The profile's brand values (logo URL, colours, support address); empty without them. */
  brand: Brand;
};

/** What a link does on the landing page. */
export type LinkAction = 'confirm' | 'reset' | 'verify' | 'signin';

export type LinkVariables = {
  /** The landing page with everything it needs in the fragment (`#action=confirm&code=…`). */
  url: string;
  action: LinkAction;
  /**
   * True for sign-in (email OTP) codes: Cognito binds them to the browser session that asked for
   * them, so the link can only prefill the code in the app on that same device.
   */
  sameDeviceOnly: boolean;
};

export interface TemplateVariablesInput {
  rule: TriggerRule;
  /** Decrypted code, already unescaped. Omit for AccountTakeOverNotification. */
  code?: string | undefined;
  userName: string;
  userAttributes: Record<string, string>;
  clientMetadata: Record<string, string> | null;
  userPoolId: string;
  region: string;
  appName: string;
  locale: string;
  /**
   * Where the landing page lives (LINK_BASE_URL), already checked by `checkLinkBaseUrl`. Absent:
   * no `link` variable, and the built-in templates show the code alone.
   */
  linkBaseUrl?: string | undefined;
  /** `callerContext.clientId`: the app client the page calls Cognito with (ConfirmSignUp needs it). */
  clientId?: string | undefined;
  /** The profile serving the message; `default` when absent. */
  profile?: string | undefined;
  brand?: Brand | undefined;
}

/**
 * @example
 * const vars = buildTemplateVariables({ rule: findTrigger('CustomEmailSender_SignUp')!, code: '123456',
 *   userName: event.userName, userAttributes: event.request.userAttributes,
 *   clientMetadata: event.request.clientMetadata, userPoolId: event.userPoolId,
 *   region: event.region, appName: 'Acme', locale: 'fr' });
 */
export function buildTemplateVariables(input: TemplateVariablesInput): TemplateVariables {
  const user = { ...input.userAttributes };
  const vars: TemplateVariables = {
    username: input.userName,
    user,
    name: user['given_name'] || user['name'] || '',
    clientMetadata: { ...input.clientMetadata },
    trigger: input.rule.name,
    triggerSource: input.rule.source,
    channel: input.rule.channel,
    appName: input.appName,
    locale: input.locale,
    userPoolId: input.userPoolId,
    region: input.region,
    profile: input.profile ?? DEFAULT_PROFILE,
    brand: { ...input.brand },
  };
  if (input.code !== undefined) vars.code = input.code;
  const link = buildLink(input);
  if (link) vars.link = link;
  if (input.rule.name === 'AccountTakeOverNotification') {
    const actionType = (user['ACCOUNT_TAKE_OVER_ACTION'] ?? '').toUpperCase();
    const loginTime = describeTime(user['LOGIN_TIME'] ?? '', input.locale, user['zoneinfo']);
    const city = user['CITY'] ?? '';
    const country = user['COUNTRY'] ?? '';
    vars.signIn = {
      ...loginTime,
      ip: user['IP_ADDRESS'] ?? '',
      city,
      country,
      location: [city, country].filter(Boolean).join(', '),
      device: user['DEVICE_NAME'] ?? '',
      action: actionType,
      eventId: user['EVENT_ID'] ?? '',
    };
    const links: { confirm?: string; deny?: string } = {};
    const confirm = webLink(user['ONE_CLICK_LINK_VALID']);
    const deny = webLink(user['ONE_CLICK_LINK_INVALID']);
    if (confirm) links.confirm = confirm;
    if (deny) links.deny = deny;
    vars.links = links;
    vars.action = {
      type: actionType,
      blocked: actionType === 'BLOCK',
      mfa: actionType.startsWith('MFA'),
      noAction: actionType === 'NO_ACTION',
    };
  }
  return vars;
}

const LINK_ACTIONS: Partial<Record<TriggerName, LinkAction>> = {
  SignUp: 'confirm',
  ResendCode: 'confirm',
  ForgotPassword: 'reset',
  UpdateUserAttribute: 'verify',
  VerifyUserAttribute: 'verify',
  Authentication: 'signin',
};

/**
 * The landing-page link for a code-bearing trigger. Everything about the user travels in the
 * fragment: browsers never send it to the server, so it stays out of access logs, proxies and
 * Referer headers, and a mail scanner fetching the URL only gets the static page. The values are
 * form-encoded (`URLSearchParams`), so a six-digit code appears in the URL as itself and the
 * log scrubbers that look for the code still find it.
 *
 * No link when the app client is unknown for an action that needs it (ConfirmSignUp and
 * ConfirmForgotPassword take a ClientId): a link that cannot work is worse than the code alone.
 */
function buildLink(input: TemplateVariablesInput): LinkVariables | undefined {
  const action = LINK_ACTIONS[input.rule.name];
  if (!input.linkBaseUrl || !action || input.code === undefined) return undefined;
  const clientId = input.clientId && input.clientId !== 'CLIENT_ID_NOT_APPLICABLE' ? input.clientId : undefined;
  if ((action === 'confirm' || action === 'reset') && !clientId) return undefined;
  const attribute = input.rule.channel === 'sms' ? 'phone_number' : 'email';
  const fragment = new URLSearchParams({ action, code: input.code, username: input.userName });
  if (clientId) fragment.set('client', clientId);
  fragment.set('region', input.region);
  if (action === 'verify') fragment.set('attribute', attribute);
  const destination = input.userAttributes[attribute];
  if (destination) fragment.set('to', destination);
  if (input.appName) fragment.set('app', input.appName);
  fragment.set('lang', input.locale);
  return { url: `${input.linkBaseUrl}#${fragment.toString()}`, action, sameDeviceOnly: action === 'signin' };
}

/**
 * What is wrong with a LINK_BASE_URL value, or undefined when it is fine: an absolute https URL
 * (http only on loopback, for local stacks), without credentials or a fragment (the relay writes
 * the fragment). The message names the setting and says what to fix.
 *
 * @example linkBaseUrlProblem('http://acme.example/') // 'LINK_BASE_URL must use https (…)'
 */
export function linkBaseUrlProblem(value: string, setting = 'LINK_BASE_URL'): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${setting} must be an absolute URL, e.g. https://acme.example/verify`;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return `${setting} must use https (http is accepted only for localhost / 127.0.0.1 / [::1])`;
  }
  if (url.username || url.password) return `${setting} must not contain credentials`;
  if (value.includes('#')) return `${setting} must not contain a fragment (#…): the relay writes the fragment`;
  return undefined;
}

/** `linkBaseUrlProblem` as a guard: returns the URL, or throws an Error with the problem. */
export function checkLinkBaseUrl(value: string, setting = 'LINK_BASE_URL'): string {
  const problem = linkBaseUrlProblem(value, setting);
  if (problem) throw new Error(problem);
  return value;
}

// A link that is not http(s) (e.g. `javascript:`) is dropped: the button then disappears
// rather than becoming a trap, even though the value comes from Cognito.
function webLink(value: string | undefined): string | undefined {
  return value && /^https?:\/\/[^\s]+$/i.test(value) ? value : undefined;
}

function parseTime(raw: string): Date | undefined {
  const trimmed = raw.trim();
  if (!trimmed) return undefined;
  let date: Date;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    // Epoch seconds until the year 33658; milliseconds beyond.
    date = new Date(number < 1e12 ? number * 1000 : number);
  } else {
    date = new Date(trimmed);
  }
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function describeTime(raw: string, locale: string, zoneinfo: string | undefined): Pick<SignInDetails, 'time' | 'timeRaw' | 'timeIso'> {
  const date = parseTime(raw);
  if (!date) return { time: raw, timeRaw: raw, timeIso: '' };
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  // An unknown `zoneinfo` or locale falls back to UTC, then English, rather than fail the message.
  const attempts: Array<[string, string]> = [[locale, zoneinfo || 'UTC'], [locale, 'UTC'], ['en', 'UTC']];
  for (const [language, timeZone] of attempts) {
    try {
      return { time: new Intl.DateTimeFormat(language, { ...options, timeZone }).format(date), timeRaw: raw, timeIso: date.toISOString() };
    } catch {
      continue;
    }
  }
  return { time: raw, timeRaw: raw, timeIso: date.toISOString() };
}

/** One row of the variable reference (templates/README.md, the sandbox gallery). */
export interface TemplateVariableDoc {
  name: string;
  description: string;
  example: string;
  /** Only set for these triggers; otherwise for all. */
  only?: TriggerName[];
}

/** Every variable templates can use. Keep in step with templates/README.md (a test checks it). */
export const TEMPLATE_VARIABLES: readonly TemplateVariableDoc[] = [
  { name: 'code', description: 'The verification code, or the temporary password for AdminCreateUser. Absent for AccountTakeOverNotification.', example: '123456' },
  { name: 'username', description: 'The username Cognito signs the user in with (`event.userName`). For pools that sign in by email this may be a UUID.', example: 'ada' },
  { name: 'name', description: '`given_name`, else `name`, else empty: use it in a section for greetings.', example: 'Ada' },
  { name: 'user', description: 'Every user attribute of the event, e.g. `user.email`, `user.phone_number`, `user.custom:plan`.', example: 'user.email → ada@example.com' },
  { name: 'clientMetadata', description: 'The ClientMetadata the app passed with the API call (empty object when none).', example: 'clientMetadata.source → ios' },
  { name: 'appName', description: 'The configured application name; may be empty.', example: 'Acme' },
  { name: 'trigger', description: 'The trigger name.', example: 'SignUp' },
  { name: 'triggerSource', description: 'The trigger source as Cognito sent it.', example: 'CustomEmailSender_SignUp' },
  { name: 'channel', description: '`email` or `sms`.', example: 'email' },
  { name: 'locale', description: 'The locale the message was asked for.', example: 'fr-CA' },
  { name: 'userPoolId', description: 'The user pool id.', example: 'eu-west-1_AbCdEf123' },
  { name: 'region', description: 'The AWS region of the user pool.', example: 'eu-west-1' },
  { name: 'profile', description: 'The profile of `relay.config.json` serving the message; `default` without the file.', example: 'shop' },
  { name: 'brand.logoUrl', description: 'The profile\'s logo URL (http(s)); empty when not set.', example: 'https://shop.example/logo.png' },
  { name: 'brand.primaryColor', description: 'The profile\'s main colour (CSS).', example: '#0a7d5a' },
  { name: 'brand.accentColor', description: 'The profile\'s second colour (CSS).', example: '#f4b400' },
  { name: 'brand.supportEmail', description: 'Where users write for help.', example: 'help@shop.example' },
  { name: 'brand.supportUrl', description: 'The help page (http(s)).', example: 'https://shop.example/help' },
  { name: 'brand.website', description: 'The app\'s website (http(s)).', example: 'https://shop.example' },
  { name: 'subject', description: 'The rendered subject (in `email.html`, `email.txt` and their partials).', example: 'Verify your email address' },
  { name: 'signIn.time', description: 'When the sign-in happened, written for people (user `zoneinfo` or UTC).', example: 'December 1, 2023 at 10:30 AM UTC', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.timeRaw', description: 'LOGIN_TIME as Cognito sent it.', example: '2023-12-01T10:30:00Z', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.timeIso', description: 'The time in ISO 8601 (UTC), empty when it could not be read.', example: '2023-12-01T10:30:00.000Z', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.ip', description: 'IP address of the sign-in.', example: '203.0.113.7', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.city', description: 'City, when Cognito knows it.', example: 'Lyon', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.country', description: 'Country, when Cognito knows it.', example: 'France', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.location', description: '`city, country`, or whichever is known.', example: 'Lyon, France', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.device', description: 'Device name, when Cognito knows it.', example: 'Chrome on macOS', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.action', description: 'ACCOUNT_TAKE_OVER_ACTION: BLOCK, NO_ACTION, MFA, MFA_IF_CONFIGURED or MFA_REQUIRED.', example: 'BLOCK', only: ['AccountTakeOverNotification'] },
  { name: 'signIn.eventId', description: 'Cognito’s id of the risk event.', example: 'c6b0…', only: ['AccountTakeOverNotification'] },
  { name: 'links.confirm', description: 'One-click link: "This was me" (ONE_CLICK_LINK_VALID). Only http(s) links.', example: 'https://…', only: ['AccountTakeOverNotification'] },
  { name: 'links.deny', description: 'One-click link: "This wasn\'t me" (ONE_CLICK_LINK_INVALID). Only http(s) links.', example: 'https://…', only: ['AccountTakeOverNotification'] },
  { name: 'action.blocked', description: 'True when Cognito blocked the sign-in.', example: 'true', only: ['AccountTakeOverNotification'] },
  { name: 'action.mfa', description: 'True when Cognito asked (or would ask) for MFA.', example: 'false', only: ['AccountTakeOverNotification'] },
  { name: 'action.noAction', description: 'True when Cognito let the sign-in through.', example: 'false', only: ['AccountTakeOverNotification'] },
  { name: 'link.url', description: 'The landing page link (LINK_BASE_URL) with the code, username and app client in the fragment (`#…`), never in the path or query. Absent when LINK_BASE_URL is not set.', example: 'https://acme.example/verify#action=confirm&code=123456&…', only: ['SignUp', 'ResendCode', 'ForgotPassword', 'UpdateUserAttribute', 'VerifyUserAttribute', 'Authentication'] },
  { name: 'link.action', description: 'What the link does: `confirm` (sign-up), `reset` (password), `verify` (attribute) or `signin` (email OTP, same device only).', example: 'confirm', only: ['SignUp', 'ResendCode', 'ForgotPassword', 'UpdateUserAttribute', 'VerifyUserAttribute', 'Authentication'] },
  { name: 'link.sameDeviceOnly', description: 'True for sign-in codes: the link only prefills the code in the app on the device that asked for it.', example: 'false', only: ['SignUp', 'ResendCode', 'ForgotPassword', 'UpdateUserAttribute', 'VerifyUserAttribute', 'Authentication'] },
];

/**
 * Realistic variables for previews (sandbox gallery, CLI preview). Not for production use.
 *
 * @example sampleTemplateVariables(findTrigger('CustomEmailSender_SignUp')!, { appName: 'Acme', locale: 'en' })
 */
export function sampleTemplateVariables(
  rule: TriggerRule,
  options: { appName: string; locale: string; linkBaseUrl?: string | undefined; profile?: string | undefined; brand?: Brand | undefined },
): TemplateVariables {
  const ato = rule.name === 'AccountTakeOverNotification';
  const userAttributes: Record<string, string> = {
    sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d',
    email: 'ada@example.com',
    email_verified: 'true',
    given_name: 'Ada',
    'cognito:user_status': rule.name === 'AdminCreateUser' ? 'FORCE_CHANGE_PASSWORD' : 'CONFIRMED',
  };
  if (ato) {
    Object.assign(userAttributes, {
      EVENT_ID: 'c6b0f1e2-1a2b-4c3d-9e8f-0a1b2c3d4e5f',
      USER_NAME: 'ada',
      IP_ADDRESS: '203.0.113.7',
      ACCOUNT_TAKE_OVER_ACTION: 'BLOCK',
      ONE_CLICK_LINK_VALID: 'https://example.com/feedback?valid=true',
      ONE_CLICK_LINK_INVALID: 'https://example.com/feedback?valid=false',
      LOGIN_TIME: '2023-12-01T10:30:00Z',
      FEEDBACK_TOKEN: 'sample-feedback-token',
      CITY: 'Lyon',
      COUNTRY: 'France',
      DEVICE_NAME: 'Chrome on macOS',
    });
  }
  return buildTemplateVariables({
    rule,
    code: ato ? undefined : rule.codeIsTemporaryPassword ? 'Tq7#mZ2!pL' : '123456',
    userName: 'ada',
    userAttributes,
    clientMetadata: null,
    userPoolId: 'eu-west-1_AbCdEf123',
    region: 'eu-west-1',
    appName: options.appName,
    locale: options.locale,
    linkBaseUrl: options.linkBaseUrl,
    clientId: '6u7c9vr3pkstoogexample',
    profile: options.profile,
    brand: options.brand,
  });
}
