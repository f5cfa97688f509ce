/**
 * `cognito-relay preview`: renders one trigger's template with sample values through the same
 * renderer the Lambda uses, over the template folders on disk (your `templates/` first, then
 * the built-ins), to stdout or a file.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseRelayConfigFile } from '../../../runtime/config/profiles.ts';
import type { TriggerRule } from '../../../runtime/cognito/triggers.ts';
import {
  createRenderer,
  loadTemplateStoreFromDirs,
  resolveTemplate,
  sampleTemplateVariables,
  type TemplateFile,
} from '../../../runtime/templates/index.ts';
import { BUILTIN_TEMPLATES_DIR, userTemplatesDir } from '../../../runtime/templates/paths.ts';
import { resolveTrigger } from '../../local/scenario.ts';
import { UsageError, defineCliCommand, keyValues, parseCommandLine, renderCommandUsage, type CliIo } from '../terminal.ts';

export const describe = 'Render a template with sample values, to stdout or a file';

const PARTS = ['all', 'subject', 'html', 'text', 'sms', 'json'] as const;
type Part = (typeof PARTS)[number];

export const command = defineCliCommand({
  meta: { name: 'preview', description: describe },
  args: {
    trigger: { type: 'positional', required: false, description: 'SignUp, ForgotPassword, AdminCreateUser… or a full trigger source\n(CustomSMSSender_SignUp renders the SMS)' },
    sms: { type: 'boolean', default: false, description: 'the SMS message of that trigger' },
    locale: { type: 'string', valueHint: 'tag', description: 'the locale to render, e.g. fr or pt-BR (default: DEFAULT_LOCALE, else en)' },
    part: { type: 'string', valueHint: 'part', description: `${PARTS.join(' | ')} (default: all; html when --out ends in .html)` },
    out: { type: 'string', valueHint: 'file', description: 'write to this file instead of stdout' },
    var: { type: 'string', multiple: true, valueHint: 'key=value', description: 'replace a sample value; repeat for more, dots for nesting\n(e.g. --var code=000000 --var user.given_name=Grace)' },
    templates: { type: 'string', valueHint: 'dir', description: 'your templates folder (default: TEMPLATES_DIR, else ./templates)' },
    'app-name': { type: 'string', valueHint: 'name', description: 'the app name in the messages (default: APP_NAME, else Example)' },
    profile: { type: 'string', valueHint: 'name', description: 'a profile of relay.config.json: its template set, app name, brand and locale' },
    config: { type: 'string', valueHint: 'file', description: 'relay.config.json (default: RELAY_CONFIG, else ./relay.config.json)' },
  },
  usage: {
    details: `Uses the relay's own renderer over your templates folder (TEMPLATES_DIR, else ./templates)
and the built-in templates.`,
    footer: `Examples:
  cognito-relay preview SignUp --locale fr
  cognito-relay preview ForgotPassword --out forgot.html
  cognito-relay preview SignUp --sms --var code=424242
  cognito-relay preview SignUp --profile globex --out globex.html`,
  },
  run: (args, io) => run(args, io),
});

const USAGE = renderCommandUsage(command);

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = next && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {}) as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(args, command, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;

  let rule: TriggerRule;
  let part: Part;
  let overrides: Record<string, string>;
  try {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Which trigger? e.g. cognito-relay preview SignUp' : `One trigger at a time, not ${positionals.join(' ')}`);
    const found = resolveTrigger(positionals[0]!, values.sms ? 'sms' : 'email');
    if (!found) throw new UsageError(`Unknown trigger "${positionals[0]}"${values.sms ? ' for SMS (AccountTakeOverNotification is email only)' : ''}`);
    rule = found;
    const defaultPart: Part = values.out && /\.html?$/i.test(values.out) && rule.channel === 'email' ? 'html' : 'all';
    const asked = values.part ?? defaultPart;
    if (!(PARTS as readonly string[]).includes(asked)) throw new UsageError(`--part must be one of ${PARTS.join(', ')}, not "${asked}"`);
    part = asked as Part;
    if (rule.channel === 'sms' && (part === 'subject' || part === 'html' || part === 'text')) {
      throw new UsageError(`${rule.source} is an SMS: use --part sms (or all, json)`);
    }
    if (rule.channel === 'email' && part === 'sms') throw new UsageError(`${rule.source} is an email: use --sms for the SMS of ${rule.name}`);
    overrides = keyValues(values.var, '--var');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n\n${USAGE}`);
    return 2;
  }

  const userDir = values.templates ? resolve(values.templates) : userTemplatesDir(io.env);
  let profile: ReturnType<typeof readProfile> | undefined;
  try {
    profile = values.profile === undefined ? undefined : readProfile(values.profile, values.config ?? io.env['RELAY_CONFIG']?.trim() ?? 'relay.config.json');
  } catch (error) {
    io.stderr.write(`✗ ${(error as Error).message}\n`);
    return 1;
  }
  const defaultLocale = profile?.settings.defaultLocale ?? (io.env['DEFAULT_LOCALE']?.trim() || 'en');
  const locale = values.locale ?? defaultLocale;
  const appName = values['app-name'] ?? profile?.settings.appName ?? (io.env['APP_NAME']?.trim() || 'Example');

  let output: string;
  let renderedLocale: string;
  try {
    const set = profile?.settings.templates;
    const store = loadTemplateStoreFromDirs([...(set ? [join(userDir, set)] : []), userDir, BUILTIN_TEMPLATES_DIR], {
      names: [...(set ? [`template set ${set}`] : []), `your templates (${userDir})`, 'built-in'],
    });
    const renderer = createRenderer({ store, defaultLocale });
    const variables: Record<string, unknown> = { ...sampleTemplateVariables(rule, { appName, locale, profile: profile?.name, brand: profile?.settings.brand }) };
    for (const [path, value] of Object.entries(overrides)) setPath(variables, path, value);
    const files = (rule.channel === 'email' ? ['email.subject', 'email.html', 'email.txt'] : ['sms.txt']) as TemplateFile[];
    const sources = Object.fromEntries(files.map((file) => {
      const found = resolveTemplate(store, { trigger: rule.name, file, locale, defaultLocale });
      return [file, found ? `${found.layer}: ${found.path}` : null];
    }));

    if (rule.channel === 'email') {
      const email = renderer.renderEmail(rule.name, locale, variables);
      renderedLocale = email.locale;
      output =
        part === 'subject' ? `${email.subject}\n`
        : part === 'html' ? email.html
        : part === 'text' ? email.text
        : part === 'json' ? `${JSON.stringify({ trigger: rule.source, locale: email.locale, subject: email.subject, html: email.html, text: email.text, sources }, null, 2)}\n`
        : `Subject: ${email.subject}\n\n${email.text.trimEnd()}\n`;
    } else {
      const sms = renderer.renderSms(rule.name, locale, variables);
      renderedLocale = sms.locale;
      output = part === 'json' ? `${JSON.stringify({ trigger: rule.source, locale: sms.locale, text: sms.text, sources }, null, 2)}\n` : `${sms.text.trimEnd()}\n`;
    }
  } catch (error) {
    io.stderr.write(`✗ ${(error as Error).message}\n`);
    return 1;
  }

  if (renderedLocale !== locale) io.stderr.write(`note: no ${locale} template for ${rule.name}; rendered the ${renderedLocale} one\n`);
  if (values.out) {
    try {
      writeFileSync(values.out, output);
    } catch (error) {
      io.stderr.write(`✗ could not write ${values.out}: ${(error as Error).message}\n`);
      return 1;
    }
    io.stderr.write(`✓ wrote ${values.out} (${rule.source}, ${renderedLocale}, ${part})\n`);
  } else {
    io.stdout.write(output);
    if (part === 'all' && rule.channel === 'email') io.stderr.write('(text part shown; --part html or --out file.html for the HTML)\n');
  }
  return 0;
}

/** A profile of relay.config.json, for `--profile`; throws naming the file and the profiles. */
function readProfile(name: string, file: string) {
  let json: string;
  try {
    json = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`--profile ${name}: cannot read ${file}; pass --config or set RELAY_CONFIG`);
  }
  const { config, problems } = parseRelayConfigFile(json, {}, file);
  if (!config) throw new Error(problems.join('\n'));
  const settings = config.profiles[name];
  if (!settings) throw new Error(`--profile: no profile "${name}" in ${file}; profiles are ${Object.keys(config.profiles).join(', ')}`);
  return { name, settings };
}
