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
};

export const SMS_PROVIDERS: Record<string, Loader<'sms'>> = {
  twilio: () => import('./sms/twilio.ts'),
};

export const PROVIDER_LOADERS: { email: Record<string, Loader<'email'>>; sms: Record<string, Loader<'sms'>> } = {
  email: EMAIL_PROVIDERS,
  sms: SMS_PROVIDERS,
};

export function knownProviders(channel: Channel): string[] {
  return Object.keys(PROVIDER_LOADERS[channel]).sort();
}
