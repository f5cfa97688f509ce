/**
 * Delivery: hands a rendered message to the channel's providers, in failover order.
 * Providers are driven only through the `Provider` interface, so this never knows which one
 * it talks to.
 */
import { ProviderError, RelayError } from '../errors.ts';
import type { HostedTemplateLookup } from '../config/hosted-templates.ts';
import type { Delivered, EmailProvider, Message, Provider, SmsProvider } from '../providers/types.ts';

export interface DeliveryContext {
  /** Stable per Cognito request; passed to providers that take an idempotency key. */
  idempotencyKey: string;
  /** Epoch ms by which delivery must have finished (the invocation deadline less a margin). */
  deadline: number;
}

export interface Delivery {
  deliver(message: Message, ctx: DeliveryContext): Promise<Delivered>;
  close(): Promise<void>;
}

export interface DeliveryOptions {
  email: EmailProvider[];
  sms: SmsProvider[];
  hostedTemplates: HostedTemplateLookup;
  /** Longest a single provider attempt may take. */
  attemptTimeoutMs?: number;
  now?: () => number;
}

export function createDelivery(options: DeliveryOptions): Delivery {
  const now = options.now ?? Date.now;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;

  function withTemplate<M extends Message>(provider: Provider<M>, message: M): M {
    const id = options.hostedTemplates.find(provider.name, message.trigger, message.locale);
    return id ? { ...message, hostedTemplate: { id, variables: message.variables } } : message;
  }

  return {
    async deliver(message, ctx) {
      const chain: Provider<Message>[] = (message.channel === 'email' ? options.email : options.sms) as Provider<Message>[];
      if (chain.length === 0) {
        throw new RelayError(
          'CHANNEL_NOT_CONFIGURED',
          `received ${message.triggerSource} but no ${message.channel} provider is configured; set ${message.channel === 'email' ? 'EMAIL_PROVIDER' : 'SMS_PROVIDER'}`,
        );
      }
      let last: unknown;
      for (const provider of chain) {
        const remaining = ctx.deadline - now();
        if (remaining <= 0) break;
        try {
          return await provider.send(withTemplate(provider, message), {
            signal: AbortSignal.timeout(Math.min(attemptTimeoutMs, remaining)),
            idempotencyKey: ctx.idempotencyKey,
          });
        } catch (error) {
          last = error;
          // A permanent error (bad recipient, bad key) will not get better with another provider.
          if (!(error instanceof ProviderError) || error.kind === 'permanent') throw error;
        }
      }
      throw last ?? new RelayError('DEADLINE', 'no time left to deliver before the function times out');
    },
    async close() {
      await Promise.all([...options.email, ...options.sms].map((p) => p.close?.()));
    },
  };
}
