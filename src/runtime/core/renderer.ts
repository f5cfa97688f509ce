/**
 * The relay's one `Renderer`: from a trigger rule (passed whole) and the event's data to the
 * message content, locale and template variables. `createTemplateRenderer` adapts the templates
 * module to it, with the app name and default locale from config.
 *
 * `missingCodeParts` is the send-time guard: a message that should carry the code but lacks it in
 * any part is refused instead of delivered (a template typo such as `{{name}` swallows the rest of
 * the template silently).
 */
import Mustache from 'mustache';
import type { TriggerRule } from '../cognito/triggers.ts';
import { TemplateError } from '../errors.ts';
import { buildTemplateVariables, createRenderer, defaultTemplateStore, resolveLocale, type TemplateStore } from '../templates/index.ts';
import type { TemplateVariables } from '../providers/types.ts';
import type { Brand } from '../config/profiles.ts';

export interface RenderRequest {
  rule: TriggerRule;
  /** The decrypted code (temporary password already unescaped); undefined when the trigger has none. */
  code: string | undefined;
  userName: string;
  userAttributes: Record<string, string>;
  clientMetadata: Record<string, string>;
  userPoolId: string;
  region: string;
  /** `callerContext.clientId`: verification links name the app client. */
  clientId?: string | undefined;
}

export type RenderedContent = { channel: 'email'; subject: string; html: string; text: string } | { channel: 'sms'; text: string };

export interface RenderedMessage {
  /** The locale of the template used. */
  locale: string;
  /** What the templates saw; provider-hosted templates and webhooks receive these. */
  variables: TemplateVariables;
  content: RenderedContent;
}

export interface Renderer {
  /** Throws `TemplateError` when a template is missing or does not render. */
  render(request: RenderRequest): RenderedMessage;
}

/**
 * @example
 * const renderer = createTemplateRenderer({ appName: 'Acme', defaultLocale: 'en' });
 * const { content, locale } = renderer.render({ rule, code, userName, userAttributes, clientMetadata, userPoolId, region });
 */
export function createTemplateRenderer(options: {
  appName: string;
  defaultLocale: string;
  store?: TemplateStore | undefined;
  /** LINK_BASE_URL: verification links in the messages; none when absent. */
  linkBaseUrl?: string | undefined;
  /** The profile (relay.config.json) this renderer serves, and its brand values for `{{brand.*}}`. */
  profile?: string | undefined;
  brand?: Brand | undefined;
}): Renderer {
  const templates = createRenderer({ store: options.store ?? defaultTemplateStore(), defaultLocale: options.defaultLocale });
  return {
    render(request) {
      const locale = resolveLocale({
        clientMetadata: request.clientMetadata,
        userAttributes: request.userAttributes,
        defaultLocale: options.defaultLocale,
      });
      const variables = buildTemplateVariables({
        ...request,
        appName: options.appName,
        locale,
        linkBaseUrl: options.linkBaseUrl,
        profile: options.profile,
        brand: options.brand,
      });
      if (request.rule.channel === 'email') {
        const email = templates.renderEmail(request.rule.name, locale, variables);
        return { locale: email.locale, variables, content: { channel: 'email', subject: email.subject, html: email.html, text: email.text } };
      }
      const sms = templates.renderSms(request.rule.name, locale, variables);
      return { locale: sms.locale, variables, content: { channel: 'sms', text: sms.text } };
    },
  };
}

// The ways a template may write the code into HTML: escaped by `{{code}}`, or verbatim by `{{{code}}}`.
const htmlForms = (code: string) => [code, Mustache.escape(code)];

/**
 * The parts of a rendered message that should show the code but do not: `email HTML`,
 * `email text`, `SMS`, and `template variables` (what provider-hosted templates receive).
 */
export function missingCodeParts(rule: TriggerRule, code: string | undefined, message: RenderedMessage): string[] {
  if (!rule.needsCode || code === undefined) return [];
  const missing: string[] = [];
  const { content } = message;
  if (content.channel === 'email') {
    if (!htmlForms(code).some((form) => content.html.includes(form))) missing.push('email HTML');
    if (!content.text.includes(code)) missing.push('email text');
  } else if (!content.text.includes(code)) {
    missing.push('SMS');
  }
  if (!Object.values(message.variables).includes(code)) missing.push('template variables');
  return missing;
}

/** Throws a `TemplateError` naming trigger, locale and parts when the code is missing. */
export function assertCarriesCode(rule: TriggerRule, code: string | undefined, message: RenderedMessage): void {
  const missing = missingCodeParts(rule, code, message);
  if (missing.length === 0) return;
  throw new TemplateError(
    `the ${rule.name} message (locale ${message.locale}) does not contain the code in its ${missing.join(', ')}: ` +
      'not sending a message the user cannot use. Look for a typo that swallows {{code}}, such as an unclosed tag',
  );
}
