/**
 * Every provider cognito-relay knows, as lazy imports: only the configured ones are loaded at
 * cold start (esbuild turns each import() into its own chunk).
 *
 * Adding a provider = one file exporting a `ProviderDefinition` as default (its settings schema,
 * its hosted-template id format, its answers classified with their sources) + one line here +
 * its contract-test entry.
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

export const PROVIDER_LOADERS: { email: Record<string, Loader<'email'>>; sms: Record<string, Loader<'sms'>> } = {
  email: EMAIL_PROVIDERS,
  sms: SMS_PROVIDERS,
};

export function knownProviders(channel: Channel): string[] {
  return Object.keys(PROVIDER_LOADERS[channel]).sort();
}
