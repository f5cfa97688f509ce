/**
 * `cognito-relay preview`: a template rendered with sample values, to stdout or a file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../sandbox/run-cli.ts';

describe('cognito-relay preview', { timeout: 60_000 }, () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'preview-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the subject and text of an email in the asked locale', async () => {
    // Act
    const result = await runCli(['preview', 'SignUp', '--locale', 'fr', '--app-name', 'Acme']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Subject: \S.*\n\n/);
    assert.match(result.stdout, /Bonjour Ada/);
    assert.match(result.stdout, /Acme/);
    assert.match(result.stdout, /123456/);
  });

  it('writes the HTML part to a file named .html, with sample values replaced by --var', async () => {
    // Prepare
    const out = join(dir, 'forgot.html');

    // Act
    const result = await runCli(['preview', 'ForgotPassword', '--out', out, '--var', 'code=424242', '--var', 'user.given_name=Grace', '--var', 'name=Grace']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /✓ wrote .*forgot\.html/);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.match(html, /424242/);
    assert.match(html, /Grace/);
  });

  it('renders the SMS of a trigger, and says when a locale falls back', async () => {
    // Act
    const result = await runCli(['preview', 'CustomSMSSender_Authentication', '--locale', 'pt-BR']);

    // Assess
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /123456/);
    assert.equal(result.stdout.trim().split('\n').length, 1, 'just the SMS text');
    assert.match(result.stderr, /no pt-BR template for Authentication; rendered the en one/);
  });

  it('uses the user templates folder over the built-ins, and reports a template that does not parse', async () => {
    // Prepare
    const templates = join(dir, 'templates');
    mkdirSync(join(templates, 'en/SignUp'), { recursive: true });
    writeFileSync(join(templates, 'en/SignUp/email.subject'), 'Welcome to {{appName}}, {{name}}');
    mkdirSync(join(templates, 'en/ResendCode'), { recursive: true });
    writeFileSync(join(templates, 'en/ResendCode/email.subject'), 'Your code {{#code}}');

    // Act
    const overridden = await runCli(['preview', 'SignUp', '--templates', templates, '--part', 'json', '--app-name', 'Acme']);
    const broken = await runCli(['preview', 'ResendCode', '--templates', templates]);

    // Assess
    assert.equal(overridden.code, 0, overridden.stderr);
    const json = JSON.parse(overridden.stdout) as { subject: string; sources: Record<string, string> };
    assert.equal(json.subject, 'Welcome to Acme, Ada');
    assert.match(json.sources['email.subject'] ?? '', /your templates/);
    assert.match(json.sources['email.html'] ?? '', /built-in/);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /ResendCode\/email\.subject.*does not parse/);
  });

  it('exits 2 with the usage for a wrong part, an unknown trigger or flag', async () => {
    // Act
    const [part, smsPart, unknown, flag] = await Promise.all([
      runCli(['preview', 'SignUp', '--part', 'pdf']),
      runCli(['preview', 'SignUp', '--sms', '--part', 'html']),
      runCli(['preview', 'Welcome']),
      runCli(['preview', 'SignUp', '--lang', 'fr']),
    ]);

    // Assess
    for (const result of [part, smsPart, unknown, flag]) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Usage: cognito-relay preview <trigger>/);
    }
    assert.match(part.stderr, /--part must be one of/);
    assert.match(smsPart.stderr, /is an SMS/);
    assert.match(unknown.stderr, /Unknown trigger "Welcome"/);
    assert.match(flag.stderr, /--lang/);
  });
});
