/**
 * The pipeline, in one place: parse → recipient → decrypt → render → deliver → record.
 * The Lambda handler, the CLI and the sandbox only build its dependencies and call `handle`.
 */
import { createHash } from 'node:crypto';
import { parseEvent, type ParsedEvent } from '../cognito/event.ts';
import { findRecipient, type UserLookup } from '../cognito/recipient.ts';
import type { Decryptor } from '../crypto/decrypt.ts';
import { DEFAULT_PROFILE } from '../config/profiles.ts';
import { RelayError } from '../errors.ts';
import type { EmailMessage, Message, SmsMessage } from '../providers/types.ts';
import type { Delivery, DeliveryResult } from '../delivery/deliver.ts';
import { maskRecipient, type Scrubber } from '../observability/mask.ts';
import type { RelayLogger } from '../observability/logger.ts';
import type { Address } from '../providers/types.ts';
import { assertCarriesCode, missingCodeParts, type RenderedContent, type Renderer } from './renderer.ts';
import type { TriggerName, TriggerRule } from '../cognito/triggers.ts';
import type { MetricsSink } from '../observability/metrics.ts';

/** The subset of Lambda's context the relay uses. */
export interface InvocationContext {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export interface RelayDeps {
  decryptor: Decryptor;
  renderer: Renderer;
  delivery: Delivery;
  lookupUser: UserLookup;
  logger: RelayLogger;
  /**
   * Removes the code, the temporary password, configured secrets and addresses from everything
   * that leaves `handle`: log lines (give `logger` the same scrubber, see `scrubbingLogger`) and
   * the thrown error, which becomes Lambda's on-failure / dead-letter record.
   */
  scrubber: Scrubber;
  email: { from: Address; replyTo: string | undefined } | undefined;
  now?: () => number;
  /**
   * Many apps and tenants (relay.config.json): the profile serving this event, with its own
   * renderer, delivery and sender. Without it every event uses `renderer`, `delivery`, `email`.
   */
  selectProfile?: ((event: ParsedEvent) => ProfileDeps | Promise<ProfileDeps>) | undefined;
  /** The library API's hook (src/runtime/index.ts): send, deny or change the message. */
  beforeSend?: BeforeSend | undefined;
  /** Where a denied message is counted (`outcome: denied`). */
  metrics?: MetricsSink | undefined;
}

/** What hooks see of the event: everything but the encrypted code. */
export interface HookEvent {
  trigger: TriggerName;
  triggerSource: string;
  channel: 'email' | 'sms';
  userPoolId: string;
  region: string;
  userName: string;
  /** `callerContext.clientId`; `CLIENT_ID_NOT_APPLICABLE` for admin API calls. */
  clientId: string | undefined;
  clientMetadata: Record<string, string>;
  userAttributes: Record<string, string>;
  /** The profile serving the event (`default` without relay.config.json). */
  profile: string;
}

/** The hooks' view of a parsed event. */
export function hookEvent(event: ParsedEvent, profile: string): HookEvent {
  return {
    trigger: event.rule.name,
    triggerSource: event.rule.source,
    channel: event.rule.channel,
    userPoolId: event.userPoolId,
    region: event.region,
    userName: event.userName,
    clientId: event.clientId,
    clientMetadata: event.clientMetadata,
    userAttributes: event.userAttributes,
    profile,
  };
}

/** A `beforeSend` answer: nothing or `{ action: 'send' }` sends as is. */
export type BeforeSendResult = void | undefined | { action: 'send' } | { action: 'deny'; reason: string } | { action: 'modify'; message: Message };
export type BeforeSend = (message: Message, event: HookEvent) => BeforeSendResult | Promise<BeforeSendResult>;

/** What a profile changes in the pipeline. */
export interface ProfileDeps {
  name: string;
  renderer: Renderer;
  delivery: Delivery;
  email: { from: Address; replyTo: string | undefined } | undefined;
}

export interface RelayResult extends DeliveryResult {
  /** Set when `beforeSend` denied the message: the reason it gave. Nothing was sent. */
  denied?: string | undefined;
  channel: 'email' | 'sms';
  triggerSource: string;
  locale: string;
  durationMs: number;
}

/** Time kept back from the Lambda deadline so a failure is still reported, not cut off. */
const DEADLINE_MARGIN_MS = 1_000;
/** Used when there is no Lambda context (CLI, sandbox). */
const DEFAULT_BUDGET_MS = 30_000;

/**
 * A stable key per Cognito request, from the event alone: pool, user, trigger and a hash of the
 * *encrypted* code (never the plaintext). The same event delivered twice gives the same key.
 */
export function requestKey(input: { userPoolId: string; userName: string; triggerSource: string; encryptedCode?: string | undefined; eventId?: string | undefined }): string {
  return createHash('sha256')
    .update([input.userPoolId, input.userName, input.triggerSource, input.encryptedCode ?? input.eventId ?? ''].join('\n'))
    .digest('hex');
}

/** Cognito HTML-escapes `<` and `>` in temporary passwords; undo exactly that. */
export function unescapeTemporaryPassword(code: string): string {
  return code.replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/**
 * A message changed by `beforeSend` keeps its channel and, when the trigger has one, its code in
 * every part: a hook cannot turn a verification email into one the user cannot use.
 */
function checkModified(rule: TriggerRule, code: string | undefined, original: Message, modified: Message): Message {
  if (!modified || modified.channel !== original.channel) {
    throw new RelayError('HOOK_INVALID', `beforeSend returned a message for another channel than ${original.channel}`);
  }
  const content: RenderedContent =
    modified.channel === 'email' ? { channel: 'email', subject: modified.subject, html: modified.html, text: modified.text } : { channel: 'sms', text: modified.text };
  const missing = missingCodeParts(rule, code, { locale: modified.locale, variables: modified.variables, content });
  if (missing.length > 0) throw new RelayError('HOOK_INVALID', `the message beforeSend returned does not contain the code in its ${missing.join(', ')}: not sent`);
  return modified;
}

export function createRelay(deps: RelayDeps) {
  const now = deps.now ?? Date.now;

  return {
    /**
     * Handles one Cognito event. Resolves when a provider accepted the message; throws (so
     * Lambda retries and the dead-letter destination see it) with a message naming the cause.
     */
    async handle(rawEvent: unknown, context: InvocationContext = {}): Promise<RelayResult> {
      // One scrubbing scope per invocation: the values it protects are this event's alone.
      return deps.scrubber.run(() => handleOne(rawEvent, context));
    },
  };

  async function handleOne(rawEvent: unknown, context: InvocationContext): Promise<RelayResult> {
    const { scrubber } = deps;
    const started = now();
    const remaining = context.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS;
    const deadline = started + remaining - DEADLINE_MARGIN_MS;

    try {
      const event = parseEvent(rawEvent);
      const { rule } = event;
      const profile: ProfileDeps = (await deps.selectProfile?.(event)) ?? { name: DEFAULT_PROFILE, renderer: deps.renderer, delivery: deps.delivery, email: deps.email };
      deps.logger.appendKeys({ triggerSource: rule.source, userPoolId: event.userPoolId, ...(deps.selectProfile ? { profile: profile.name } : {}) });
      const recipient = await findRecipient({
        channel: rule.channel,
        userPoolId: event.userPoolId,
        userName: event.userName,
        userAttributes: event.userAttributes,
        lookupUser: deps.lookupUser,
      });
      scrubber.protect(recipient.to, rule.channel === 'email' ? 'email' : 'phone');

      let code: string | undefined;
      if (event.encryptedCode !== undefined) {
        const decrypted = await deps.decryptor.decrypt(event.encryptedCode, event.userPoolId);
        code = rule.codeIsTemporaryPassword ? unescapeTemporaryPassword(decrypted) : decrypted;
        // Both forms: Cognito's escaped one is what a provider sees if a template echoes it raw.
        scrubber.protect(decrypted, rule.codeIsTemporaryPassword ? 'password' : 'code');
        scrubber.protect(code, rule.codeIsTemporaryPassword ? 'password' : 'code');
      }

      const rendered = profile.renderer.render({
        rule,
        code,
        userName: event.userName,
        userAttributes: recipient.attributes,
        clientMetadata: event.clientMetadata,
        userPoolId: event.userPoolId,
        region: event.region,
        clientId: event.clientId,
      });
      assertCarriesCode(rule, code, rendered);
      const base = {
        trigger: rule.name,
        triggerSource: rule.source,
        tags: [rule.tag],
        locale: rendered.locale,
        variables: rendered.variables,
        metadata: { userPoolId: event.userPoolId, ...(recipient.attributes.sub ? { sub: recipient.attributes.sub } : {}) },
      };

      let message: Message;
      const { content } = rendered;
      if (content.channel === 'email') {
        if (!profile.email) {
          throw new RelayError('CHANNEL_NOT_CONFIGURED', `received ${rule.source} but no email provider is configured; set EMAIL_PROVIDER and EMAIL_FROM`);
        }
        message = {
          ...base,
          channel: 'email',
          to: recipient.to,
          from: profile.email.from,
          replyTo: profile.email.replyTo,
          subject: content.subject,
          html: content.html,
          text: content.text,
          // Every message we send carries a code or a one-click link.
          disableTracking: true,
          transactional: true,
        } satisfies EmailMessage;
      } else {
        message = { ...base, channel: 'sms', to: recipient.to, text: content.text } satisfies SmsMessage;
      }

      if (deps.beforeSend) {
        const hookEventNow = { ...hookEvent(event, profile.name), userAttributes: recipient.attributes };
        // A hook that throws fails the invocation with its message (scrubbed below).
        const decision = await deps.beforeSend(message, hookEventNow);
        if (decision && decision.action === 'deny') {
          // Denied on purpose: the invocation succeeds, so Cognito does not retry it.
          deps.metrics?.record({ name: 'Deliveries', unit: 'Count', value: 1, dimensions: { trigger: rule.name, channel: rule.channel, provider: 'none', outcome: 'denied' } });
          deps.metrics?.flush();
          const result: RelayResult = {
            provider: 'none',
            deduplicated: false,
            attempts: 0,
            denied: decision.reason,
            channel: rule.channel,
            triggerSource: rule.source,
            locale: message.locale,
            durationMs: now() - started,
          };
          deps.logger.warn('denied by beforeSend, not sent', { reason: decision.reason, recipient: maskRecipient(rule.channel, recipient.to) });
          return result;
        }
        if (decision && decision.action === 'modify') {
          message = checkModified(rule, code, message, decision.message);
          // A hook may redirect the message: the new address is protected like the first.
          scrubber.protect(message.to, rule.channel === 'email' ? 'email' : 'phone');
        }
      }

      const idempotencyKey = requestKey({
        userPoolId: event.userPoolId,
        userName: event.userName,
        triggerSource: rule.source,
        encryptedCode: event.encryptedCode,
        eventId: event.userAttributes.EVENT_ID,
      });
      const delivered = await profile.delivery.deliver(message, { idempotencyKey, deadline });
      const result: RelayResult = {
        ...delivered,
        channel: rule.channel,
        triggerSource: rule.source,
        locale: message.locale,
        durationMs: now() - started,
      };
      // A duplicate of a request already delivered is acknowledged, not sent again.
      deps.logger.info(result.deduplicated ? 'duplicate acknowledged, not sent again' : 'delivered', {
        provider: result.provider,
        messageId: result.messageId,
        attempts: result.attempts,
        recipient: maskRecipient(rule.channel, recipient.to),
        locale: result.locale,
        durationMs: result.durationMs,
      });
      return result;
    } catch (error) {
      // Provider texts may quote the request: the error leaves the relay scrubbed.
      const safe = scrubber.scrubError(error);
      deps.logger.error('delivery failed', {
        errorCode: (safe as RelayError).code ?? 'UNEXPECTED',
        error: (safe as Error).message,
        durationMs: now() - started,
      });
      throw safe;
    } finally {
      deps.logger.removeKeys(['triggerSource', 'userPoolId', 'profile']);
    }
  }
}

export type Relay = ReturnType<typeof createRelay>;
