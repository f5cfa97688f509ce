/** Shared helpers for the template tests: temporary template folders and realistic inputs. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { findTrigger, type TriggerRule } from '../../../src/runtime/cognito/triggers.ts';
import { buildTemplateVariables, type TemplateVariables } from '../../../src/runtime/templates/index.ts';

/** Creates a folder holding `files` (relative path → text), removed when the test file ends. */
export function templateDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cognito-relay-templates-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export function rule(source: string): TriggerRule {
  const found = findTrigger(source);
  if (!found) throw new Error(`no trigger ${source}`);
  return found;
}

export const ATO_ATTRIBUTES: Record<string, string> = {
  sub: '54cf7eb7-0b96-4304-8d6b-1d2f3a4b5c6d',
  email: 'ada@example.com',
  given_name: 'Ada',
  EVENT_ID: 'evt-12345678-90ab-cdef-1234-567890abcdef',
  USER_NAME: 'ada',
  IP_ADDRESS: '198.51.100.23',
  ACCOUNT_TAKE_OVER_ACTION: 'BLOCK',
  ONE_CLICK_LINK_VALID: 'https://auth.example.com/feedback?event=evt-1&valid=true',
  ONE_CLICK_LINK_INVALID: 'https://auth.example.com/feedback?event=evt-1&valid=false',
  LOGIN_TIME: '2023-12-01T10:30:00Z',
  FEEDBACK_TOKEN: 'feedback-token-abc123xyz789',
  CITY: 'Lyon',
  COUNTRY: 'France',
  DEVICE_NAME: 'Firefox on Windows',
};

/** Variables as the handler would build them for a trigger source. */
export function variablesFor(
  source: string,
  overrides: { code?: string; userName?: string; userAttributes?: Record<string, string>; locale?: string; appName?: string } = {},
): TemplateVariables {
  const trigger = rule(source);
  const ato = trigger.name === 'AccountTakeOverNotification';
  return buildTemplateVariables({
    rule: trigger,
    code: ato ? undefined : (overrides.code ?? '842913'),
    userName: overrides.userName ?? 'ada.lovelace',
    userAttributes: overrides.userAttributes ?? (ato ? ATO_ATTRIBUTES : { sub: '54cf7eb7', email: 'ada@example.com', given_name: 'Ada' }),
    clientMetadata: null,
    userPoolId: 'eu-west-1_AbCdEf123',
    region: 'eu-west-1',
    appName: overrides.appName ?? 'Acme',
    locale: overrides.locale ?? 'en',
  });
}
