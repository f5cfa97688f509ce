/**
 * Parses and validates the event Cognito sends to a custom sender (the custom sender trigger event, AWS Lambda developer guide for Cognito). Everything
 * that can be checked without KMS or a provider is checked here, so a malformed event fails
 * before any network call, with an error naming the field.
 */
import * as v from 'valibot';
import { EventError } from '../errors.ts';
import { findTrigger, REQUEST_TYPE, type TriggerRule } from './triggers.ts';
import { readCiphertext } from './ciphertext-shape.ts';

/** valibot's record() lets arrays through; Cognito only ever sends plain objects here. */
const stringMap = (message: string) =>
  v.pipe(
    v.custom<unknown>((value) => !Array.isArray(value), message),
    v.record(v.string(), v.string('values must be strings'), message),
  );

const nonEmpty = (what: string) => v.pipe(v.string(`${what} must be a string`), v.nonEmpty(`${what} must not be empty`));

/** Cognito adds fields over time; unknown keys are kept (loose), known ones are typed. */
const EventSchema = v.looseObject({
  version: v.optional(v.string('must be a string')),
  triggerSource: nonEmpty('triggerSource'),
  region: nonEmpty('region'),
  userPoolId: v.pipe(
    nonEmpty('userPoolId'),
    v.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must look like "<region>_<id>", e.g. eu-west-1_AbCdEf123'),
  ),
  userName: v.optional(v.string('must be a string')),
  callerContext: v.optional(v.nullable(v.looseObject({}, 'must be an object'))),
  request: v.looseObject(
    {
      type: v.string('must be a string'),
      // null for AccountTakeOverNotification; required-ness per trigger is checked below.
      code: v.optional(v.nullable(v.string('must be a base64 string or null'))),
      // Cognito sends null when none was passed, although the TypeScript types say optional.
      clientMetadata: v.optional(v.nullable(stringMap('must be an object or null'))),
      userAttributes: stringMap('must be an object'),
    },
    'must be an object',
  ),
  // A custom message everywhere: valibot's defaults quote the received value, which could be
  // a ciphertext someone passed as the whole event.
}, 'must be a JSON object');

export interface ParsedEvent {
  rule: TriggerRule;
  region: string;
  userPoolId: string;
  userName: string;
  /** The base64 ciphertext, when the trigger carries a code. Never log it. */
  encryptedCode: string | undefined;
  clientMetadata: Record<string, string>;
  userAttributes: Record<string, string>;
  clientId: string | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Validates a raw Lambda event. Throws `EventError` naming the first bad field.
 *
 * @example
 * const event = parseEvent(raw); // event.rule.channel === 'email'
 */
export function parseEvent(raw: unknown): ParsedEvent {
  const result = v.safeParse(EventSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((p) => String(p.key)).join('.') || 'event';
    const message = issue.expected === 'never' || issue.received === 'undefined' ? 'is required' : issue.message;
    throw new EventError(path, message);
  }
  const event = result.output;

  const rule = findTrigger(event.triggerSource);
  if (!rule) {
    throw new EventError(
      'triggerSource',
      `unknown trigger source "${event.triggerSource.slice(0, 80)}"; cognito-relay handles CustomEmailSender_* and CustomSMSSender_* sources only`,
    );
  }
  if (event.request.type !== REQUEST_TYPE[rule.channel]) {
    throw new EventError('request.type', `must be "${REQUEST_TYPE[rule.channel]}" for ${rule.source}`);
  }

  const code = event.request.code ?? undefined;
  if (rule.needsCode) {
    if (code === undefined || code === '') throw new EventError('request.code', `is required for ${rule.source}`);
    if (code.length % 4 !== 0 || !BASE64.test(code)) throw new EventError('request.code', 'is not valid base64');
    const { problem } = readCiphertext(code);
    if (problem) throw new EventError('request.code', problem);
  }

  const userName = event.userName ?? event.request.userAttributes.USER_NAME;
  if (!userName) throw new EventError('userName', 'is required');

  const clientId = event.callerContext?.clientId;
  return {
    rule,
    region: event.region,
    userPoolId: event.userPoolId,
    userName,
    encryptedCode: rule.needsCode ? code : undefined,
    clientMetadata: event.request.clientMetadata ?? {},
    userAttributes: event.request.userAttributes,
    clientId: typeof clientId === 'string' ? clientId : undefined,
  };
}
