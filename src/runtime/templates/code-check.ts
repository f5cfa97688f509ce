/**
 * The part of the template checks the Lambda itself runs (check.ts runs the rest at build time):
 * every code-bearing trigger, in every locale the store has, rendered with a sentinel code, and
 * the sentinel looked for in each part that reaches the user — email HTML, email text and SMS.
 *
 * @example
 * const problems = checkCodeInTemplates(store, { defaultLocale: 'fr', channels: ['email'] });
 */
import { TRIGGERS, type Channel, type TriggerRule } from '../cognito/triggers.ts';
import { createRenderer } from './render.ts';
import type { TemplateStore } from './store.ts';
import { sampleTemplateVariables } from './variables.ts';

export interface TemplateProblem {
  /** Where the file lives: the layer's name and its relative path, e.g. `built-in: fr/SignUp/email.html`. */
  file: string;
  /** 1-based; absent when the problem is about a rendered message rather than one spot in a file. */
  line?: number | undefined;
  column?: number | undefined;
  message: string;
}

export interface CodeCheckOptions {
  defaultLocale?: string | undefined;
  /** Only these channels' triggers are rendered (a deployment may send only email). */
  channels?: readonly Channel[] | undefined;
}

/**
 * Digits and letters only, so HTML escaping cannot change it, and long enough that no template
 * text contains it by chance.
 */
export const SENTINEL_CODE = '739150SENTINEL264';

function codeBearingRules(channels: readonly Channel[] | undefined): TriggerRule[] {
  return TRIGGERS.filter((rule) => rule.needsCode && (channels === undefined || channels.includes(rule.channel)));
}

/** Renders each code-bearing trigger in each locale with the sentinel and looks for it in every part. */
export function checkCodeInTemplates(store: TemplateStore, options: CodeCheckOptions = {}): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const renderer = createRenderer({ store, defaultLocale: options.defaultLocale });
  const locales = new Set([...store.locales(), ...(options.defaultLocale ? [options.defaultLocale] : [])]);
  for (const locale of locales) {
    for (const rule of codeBearingRules(options.channels)) {
      const variables = { ...sampleTemplateVariables(rule, { appName: 'App', locale }), code: SENTINEL_CODE };
      const where = `${locale}/${rule.name}`;
      try {
        if (rule.channel === 'email') {
          const email = renderer.renderEmail(rule.name, locale, variables);
          for (const [part, content] of [['email.html', email.html], ['email.txt', email.text]] as const) {
            if (!content.includes(SENTINEL_CODE)) problems.push({ file: `${where}/${part} (as rendered, locale ${email.locale})`, message: 'the message does not contain {{code}}' });
          }
        } else {
          const sms = renderer.renderSms(rule.name, locale, variables);
          if (!sms.text.includes(SENTINEL_CODE)) problems.push({ file: `${where}/sms.txt (as rendered, locale ${sms.locale})`, message: 'the message does not contain {{code}}' });
        }
      } catch (error) {
        problems.push({ file: where, message: `does not render: ${(error as Error).message}` });
      }
    }
  }
  return problems;
}

