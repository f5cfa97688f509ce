/**
 * `cognito-relay preview --profile`: a profile of relay.config.json renders with its template set,
 * app name and brand values (the example in examples/many-apps).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runCli } from '../sandbox/run-cli.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/many-apps/', import.meta.url));
const withExample = (...args: string[]) => runCli(['preview', ...args, '--config', `${EXAMPLE}relay.config.json`, '--templates', `${EXAMPLE}templates`]);

describe('preview --profile', () => {
  it('renders each profile with its own templates and brand', async () => {
    const globex = await withExample('SignUp', '--profile', 'globex', '--part', 'json');
    assert.equal(globex.code, 0, globex.stderr);
    const email = JSON.parse(globex.stdout) as { subject: string; html: string; sources: Record<string, string> };
    assert.equal(email.subject, 'Globex: your verification code');
    assert.match(email.html, /color:#c0392b">Globex</);
    assert.match(email.sources['email.html'] ?? '', /template set @tenant/);

    const shop = await withExample('SignUp', '--profile', 'shop', '--part', 'subject');
    assert.equal(shop.stdout, 'Welcome to Shop: confirm your email\n');
  });

  it('an unknown profile fails naming the profiles there are', async () => {
    const result = await withExample('SignUp', '--profile', 'hooli');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no profile "hooli" in .*relay\.config\.json; profiles are shop, admin, globex, initech/);
  });
});
