/**
 * Adapts the templates module to the relay's `Renderer`: locale choice, variables and
 * rendering, with the app name and default locale from config.
 */
import { findTrigger } from '../cognito/triggers.ts';
import { buildTemplateVariables, createRenderer, defaultTemplateStore, resolveLocale, type TemplateStore } from '../templates/index.ts';
import type { Renderer } from './relay.ts';

export async function createTemplateRenderer(options: { appName: string; defaultLocale: string; store?: TemplateStore | undefined; linkBaseUrl?: string | undefined }): Promise<Renderer> {
  const templates = createRenderer({ store: options.store ?? defaultTemplateStore(), defaultLocale: options.defaultLocale });
  return {
    resolveLocale: ({ clientMetadata, userAttributes }) =>
      resolveLocale({ clientMetadata, userAttributes, defaultLocale: options.defaultLocale }),
    variables: (input) =>
      buildTemplateVariables({
        // The relay only calls this with a trigger it has already found in the catalogue.
        rule: findTrigger(input.triggerSource)!,
        code: input.code,
        userName: input.userName,
        userAttributes: input.userAttributes,
        clientMetadata: input.clientMetadata,
        userPoolId: input.userPoolId,
        region: input.region,
        appName: options.appName,
        locale: input.locale,
        linkBaseUrl: options.linkBaseUrl,
        clientId: input.clientId,
      }),
    renderEmail: (trigger, locale, variables) => templates.renderEmail(trigger, locale, variables),
    renderSms: (trigger, locale, variables) => templates.renderSms(trigger, locale, variables),
  };
}
