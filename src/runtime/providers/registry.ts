/**
 * Every provider cognito-relay knows, as lazy imports: only the configured ones are loaded at
 * cold start (esbuild turns each import() into its own chunk).
 *
 * Adding a provider = one file exporting a `ProviderDefinition` as default + one line here.
 */
import type { Channel } from '../cognito/triggers.ts';
import type { ProviderDefinition } from './types.ts';

type Loader<C extends Channel> = () => Promise<{ default: ProviderDefinition<C> }>;

export const EMAIL_PROVIDERS: Record<string, Loader<'email'>> = {
  sendgrid: () => import('./email/sendgrid.ts'),
  smtp: () => import('./email/smtp.ts'),
  mailgun: () => import('./email/mailgun.ts'),
  brevo: () => import('./email/brevo.ts'),
  postmark: () => import('./email/postmark.ts'),
  mandrill: () => import('./email/mandrill.ts'),
  resend: () => import('./email/resend.ts'),
  sparkpost: () => import('./email/sparkpost.ts'),
  ses: () => import('./email/ses.ts'),
  webhook: () => import('./webhook.ts').then((m) => ({ default: m.emailWebhook })),
};

export const SMS_PROVIDERS: Record<string, Loader<'sms'>> = {
  twilio: () => import('./sms/twilio.ts'),
  vonage: () => import('./sms/vonage.ts'),
  plivo: () => import('./sms/plivo.ts'),
  bird: () => import('./sms/bird.ts'),
  sns: () => import('./sms/sns.ts'),
  eum: () => import('./sms/eum.ts'),
  webhook: () => import('./webhook.ts').then((m) => ({ default: m.smsWebhook })),
};

/**
 * Providers that can send a template they host, and the shape of its id in PROVIDER_TEMPLATES,
 * so a wrong mapping fails at cold start rather than on a user's sign-up. The others (smtp,
 * vonage, plivo, sns, eum) always send the local rendering.
 */
export const HOSTED_TEMPLATE_IDS: Readonly<Record<string, { pattern: RegExp; example: string }>> = {
  sendgrid: { pattern: /^d-[0-9a-f]{32}$/i, example: 'd-0123456789abcdef0123456789abcdef' },
  mailgun: { pattern: /^\S+$/, example: 'otp-code' },
  brevo: { pattern: /^\d+$/, example: '12' },
  postmark: { pattern: /^\S+$/, example: 'code-signup (alias) or 3456789 (id)' },
  mandrill: { pattern: /^\S+$/, example: 'otp-code' },
  resend: { pattern: /^\S+$/, example: 'otp-code' },
  sparkpost: { pattern: /^\S+$/, example: 'otp-code' },
  ses: { pattern: /^[\w-]+$/, example: 'CognitoSignUp' },
  twilio: { pattern: /^HX[0-9a-f]{32}$/i, example: 'HX0123456789abcdef0123456789abcdef' },
  bird: { pattern: /^\S+$/, example: 'bird_otp_verification' },
  webhook: { pattern: /^.+$/, example: 'signup-v2' },
};

export const PROVIDER_LOADERS: { email: Record<string, Loader<'email'>>; sms: Record<string, Loader<'sms'>> } = {
  email: EMAIL_PROVIDERS,
  sms: SMS_PROVIDERS,
};

export function knownProviders(channel: Channel): string[] {
  return Object.keys(PROVIDER_LOADERS[channel]).sort();
}
