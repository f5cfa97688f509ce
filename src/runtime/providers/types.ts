/**
 * The one interface every email and SMS provider implements. Delivery (retries, failover,
 * idempotency) drives providers only through this, so it never knows which one it talks to.
 *
 * To add a provider: one file under `providers/email/` or `providers/sms/` exporting a
 * `ProviderDefinition` as `default`, and one line in `providers/registry.ts`.
 */
import type { Channel, TriggerName } from '../cognito/triggers.ts';
import type { FetchLike } from './http.ts';
import type { GenericSchema } from 'valibot';

/** Values a template may use; the same for local and provider-hosted templates. */
export type TemplateVariables = Record<string, unknown>;

export interface Address {
  email: string;
  name?: string | undefined;
}

/** What a provider sends for a hosted template instead of the locally rendered content. */
export interface HostedTemplate {
  /** The provider's template id or alias (SendGrid `d-…`, Postmark alias, Twilio `HX…`…). */
  id: string;
  variables: TemplateVariables;
}

interface MessageBase {
  trigger: TriggerName;
  /** The trigger source as Cognito sent it, e.g. `CustomEmailSender_SignUp`. */
  triggerSource: string;
  locale: string;
  /** Tags / categories for the provider's analytics, e.g. `cognito-signup`. */
  tags: string[];
  /**
   * Set by delivery, per provider, when this trigger × locale maps to a template hosted by that
   * provider (see config/hosted-templates.ts). Providers then send the template instead of the
   * locally rendered content.
   */
  hostedTemplate?: HostedTemplate | undefined;
  /** The template variables (code, username, user attributes…), for hosted templates and webhooks. */
  variables: TemplateVariables;
  /** Non-secret metadata for correlation (pool id, user sub), never the code. */
  metadata: Record<string, string>;
}

export interface EmailMessage extends MessageBase {
  channel: 'email';
  to: string;
  from: Address;
  replyTo?: string | undefined;
  /** Already stripped of CR/LF. */
  subject: string;
  html: string;
  text: string;
  /** Messages with codes or links: click/open tracking must be off. */
  disableTracking: boolean;
  /** Critical transactional mail: bypass marketing unsubscribe lists where supported. */
  transactional: boolean;
}

export interface SmsMessage extends MessageBase {
  channel: 'sms';
  /** E.164 phone number. */
  to: string;
  text: string;
}

export type Message = EmailMessage | SmsMessage;

export interface SendContext {
  /** Aborts the attempt (per-attempt timeout or the invocation deadline). */
  signal: AbortSignal;
  /** Stable per Cognito request: pass it to providers that accept an idempotency key. */
  idempotencyKey: string;
}

export interface Delivered {
  provider: string;
  /** The provider's message id, when it returns one. */
  messageId?: string | undefined;
}

export interface Provider<M extends Message = Message> {
  readonly name: string;
  readonly channel: M['channel'];
  /**
   * Sends one message. Resolves when the provider accepted it; otherwise throws a
   * `ProviderError` whose `kind` says whether trying again (or another provider) can help.
   */
  send(message: M, ctx: SendContext): Promise<Delivered>;
  /**
   * True when the provider deduplicates on `SendContext.idempotencyKey`: a send whose outcome is
   * unknown may then be repeated with the same key without a second message reaching the user.
   */
  readonly idempotent?: boolean;
  /** Releases pooled connections (SMTP pool). Optional. */
  close?(): Promise<void>;
}

export type EmailProvider = Provider<EmailMessage>;
export type SmsProvider = Provider<SmsMessage>;

/** A setting a provider reads from the environment. */
export interface SettingSpec {
  /** Environment variable name, e.g. `SENDGRID_API_KEY`. */
  env: string;
  required?: boolean;
  /** Secrets may come from `<env>_SECRET_ARN` or `<env>_PARAMETER` and are never logged. */
  secret?: boolean;
  default?: string;
  description: string;
}

/** Things a provider may need that the relay builds once per cold start. */
export interface ProviderDeps {
  /** The HTTP client of the HTTP providers: `nodeTransport` by default, or `globalThis.fetch`. */
  fetch: FetchLike;
  /** AWS region of the function (for AWS providers). */
  region?: string | undefined;
}

/**
 * What a provider module exports as `default`. The config layer reads `settings` to validate
 * the environment (every problem reported at once) and resolve secrets, then calls `create`.
 */
export interface ProviderDefinition<C extends Channel = Channel, S = Record<string, string | undefined>> {
  name: string;
  channel: C;
  settings: SettingSpec[];
  /**
   * Turns the raw settings (by environment name, secrets resolved) into this provider's typed
   * settings; every issue is reported naming its environment variable. Absent: `create` gets
   * the raw record.
   */
  schema?: GenericSchema<Record<string, string | undefined>, S>;
  /** Shape of this provider's hosted-template ids, when it can send a template it hosts. */
  hostedTemplateId?: { pattern: RegExp; example: string };
  /**
   * Extra checks across settings (e.g. "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID").
   * Returns problems, one sentence each.
   */
  validate?(settings: Record<string, string | undefined>): string[];
  create(
    settings: S,
    deps: ProviderDeps,
  ): C extends 'email' ? EmailProvider : SmsProvider;
}
