/**
 * Events shaped exactly like the ones Cognito sends to a custom sender, for the sandbox, the CLI's
 * `simulate`, the benchmark and tests. The code must already be encrypted (see
 * `kms/cognito-encrypt.ts`); these builders never see a plaintext code.
 */
import { findTrigger, REQUEST_TYPE } from '../../runtime/cognito/triggers.ts';

export interface SampleEventInput {
  triggerSource: string;
  /** base64 ESDK message; null for AccountTakeOverNotification. */
  code: string | null;
  userPoolId?: string;
  region?: string;
  userName?: string;
  userAttributes?: Record<string, string>;
  clientMetadata?: Record<string, string> | null;
  clientId?: string;
}

export const SAMPLE_POOL_ID = 'eu-west-1_AbCdEf123';
export const SAMPLE_USER_SUB = '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d';

/** The attributes a threat-protection (ATO) event carries instead of the user's own. */
export function accountTakeOverAttributes(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    EVENT_ID: '1b2c3d4e-0000-4000-8000-1234567890ab',
    USER_NAME: 'ada',
    IP_ADDRESS: '203.0.113.7',
    ACCOUNT_TAKE_OVER_ACTION: 'BLOCK',
    ONE_CLICK_LINK_VALID: 'https://auth.example.com/confirm?token=valid-token',
    ONE_CLICK_LINK_INVALID: 'https://auth.example.com/confirm?token=invalid-token',
    LOGIN_TIME: '2026-11-27T06:30:00.000Z',
    FEEDBACK_TOKEN: 'feedback-token',
    CITY: 'Lisbon',
    COUNTRY: 'Portugal',
    DEVICE_NAME: 'Chrome 142, Windows 11',
    ...overrides,
  };
}

export function sampleEvent(input: SampleEventInput) {
  const rule = findTrigger(input.triggerSource);
  const channel = rule?.channel ?? (input.triggerSource.startsWith('CustomSMSSender_') ? 'sms' : 'email');
  const isAto = rule?.name === 'AccountTakeOverNotification';
  const userAttributes =
    input.userAttributes ??
    (isAto
      ? accountTakeOverAttributes()
      : {
          sub: SAMPLE_USER_SUB,
          email_verified: 'false',
          'cognito:user_status': 'UNCONFIRMED',
          email: 'ada@example.com',
          phone_number: '+14155550123',
          given_name: 'Ada',
        });
  return {
    version: '1',
    triggerSource: input.triggerSource,
    region: input.region ?? 'eu-west-1',
    userPoolId: input.userPoolId ?? SAMPLE_POOL_ID,
    userName: input.userName ?? SAMPLE_USER_SUB,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: input.clientId ?? '6u7c9vr3pkstoog5d2ms1i0a8' },
    request: {
      type: REQUEST_TYPE[channel],
      code: isAto ? null : input.code,
      // Cognito sends null, not {}, when the app passed no metadata.
      clientMetadata: input.clientMetadata ?? null,
      userAttributes,
    },
  };
}
