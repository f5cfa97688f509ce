/**
 * Messages as the relay hands them to providers, for provider tests: a sign-up code by email
 * and by SMS, with the variables templates get.
 */
import type { EmailMessage, SendContext, SmsMessage } from '../../../src/runtime/providers/types.ts';

export const IDEMPOTENCY_KEY = '3b7d4e1fa0c94f2e8d6b5a4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a';

const variables = {
  code: '482913',
  username: 'ada',
  name: 'Ada',
  user: { email: 'ada@example.com', given_name: 'Ada', sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' },
  clientMetadata: { source: 'ios' },
  trigger: 'SignUp',
  triggerSource: 'CustomEmailSender_SignUp',
  channel: 'email',
  appName: 'Acme',
  locale: 'en',
  userPoolId: 'eu-west-1_AbCdEf123',
  region: 'eu-west-1',
};

export function sampleEmail(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    channel: 'email',
    trigger: 'SignUp',
    triggerSource: 'CustomEmailSender_SignUp',
    locale: 'en',
    tags: ['cognito-sign-up'],
    variables,
    metadata: { userPoolId: 'eu-west-1_AbCdEf123', sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' },
    to: 'ada@example.com',
    from: { email: 'no-reply@example.com', name: 'Acme' },
    replyTo: 'support@example.com',
    subject: 'Your Acme verification code',
    html: '<p>Your code is <b>482913</b>. <a href="https://example.com/verify">Verify</a></p>',
    text: 'Your code is 482913. Verify: https://example.com/verify',
    disableTracking: true,
    transactional: true,
    ...overrides,
  };
}

export function sampleSms(overrides: Partial<SmsMessage> = {}): SmsMessage {
  return {
    channel: 'sms',
    trigger: 'SignUp',
    triggerSource: 'CustomSMSSender_SignUp',
    locale: 'en',
    tags: ['cognito-sign-up'],
    variables: { ...variables, channel: 'sms', triggerSource: 'CustomSMSSender_SignUp' },
    metadata: { userPoolId: 'eu-west-1_AbCdEf123', sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d' },
    to: '+14155550123',
    text: 'Your Acme code is 482913',
    ...overrides,
  };
}

export function context(timeoutMs = 5_000): SendContext {
  return { signal: AbortSignal.timeout(timeoutMs), idempotencyKey: IDEMPOTENCY_KEY };
}
