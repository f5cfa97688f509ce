import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { knownProviders } from '../../../src/runtime/providers/registry.ts';
import { TEMPLATE_VARIABLES } from '../../../src/runtime/templates/variables.ts';

const doc = readFileSync(new URL('../../../docs/providers.md', import.meta.url), 'utf8');

/** The rows of the markdown table under `heading`, as cells. */
function table(heading: string): string[][] {
  const section = doc.slice(doc.indexOf(heading));
  const lines = section.split('\n').slice(1);
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

describe('docs/providers.md', () => {
  it('has a row for every provider of the registry in the provider table', () => {
    const names = table('## The provider table').map((row) => row[1]?.replace(/`/g, ''));
    for (const name of new Set([...knownProviders('email'), ...knownProviders('sms')])) {
      assert.ok(names.includes(name), `provider table lacks ${name}`);
    }
  });

  it('documents every template variable in the one variables table', () => {
    const documented = table('### Template variables').map((row) => row[0]?.replace(/`/g, ''));
    for (const variable of TEMPLATE_VARIABLES.filter((v) => v.name !== 'subject')) {
      assert.ok(documented.includes(variable.name), `variables table lacks ${variable.name}`);
    }
  });

  it('lists every provider with hosted templates in the template table', () => {
    const names = table('## Provider-hosted templates').map((row) => row[0]);
    for (const name of ['sendgrid', 'mailgun', 'brevo', 'postmark', 'mandrill', 'resend', 'sparkpost', 'ses', 'twilio', 'bird', 'webhook']) {
      assert.ok(names.includes(name), `template table lacks ${name}`);
    }
  });
});
