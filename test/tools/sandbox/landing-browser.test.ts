/**
 * Verification links in the sandbox: the emails link to the landing page the sandbox serves,
 * wired to its cognito-local. In a real browser (Debian's Chromium): sign up in the sandbox's
 * cognito-local panel, open the link from the delivered email, click, and cognito-local reports
 * CONFIRMED. A simulated send's link names an app client and a code cognito-local never made: refused.
 * Off loopback, the landing routes need the access token like every other route.
 * cognito-local and the shipped bundle are real (`npm run build` first).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import { startSandboxServer } from '../../../src/tools/sandbox/server.ts';
import type { Gallery } from '../../../src/tools/sandbox/gallery.ts';
import { chromiumLaunchOptions } from '../../support/chromium.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = join(root, 'dist/lambda/index.mjs');

describe('sandbox: verification links open its landing page', { timeout: 150_000 }, () => {
  let sandbox: Sandbox;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: { APP_NAME: 'Example' } });
    browser = await chromium.launch(await chromiumLaunchOptions());
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  it('a sign-up through the cognito-local panel gets a link whose click confirms the user', async () => {
    // Prepare
    const landingUrl = sandbox.info().landing?.url;
    assert.equal(landingUrl, `${sandbox.origin}/landing/`);
    const page = await browser.newPage();
    await page.goto(sandbox.url);
    await page.fill('#cl-email', 'grace@example.com');
    await page.fill('#cl-password', 'Compile-Time-42');
    await page.click('#cl-signup');
    await page.locator('#cl-status', { hasText: 'UNCONFIRMED' }).waitFor({ timeout: 30_000 });
    const mail = sandbox.stack.smtp.messages.at(-1);
    assert.equal(mail?.envelopeTo[0], 'grace@example.com');
    const linkInMail = mail?.parsed.text?.split(/\s+/).find((word) => word.startsWith(`${landingUrl}#`));
    assert.ok(linkInMail, 'the delivered email links to the sandbox landing page');
    assert.equal(await page.getAttribute('#cl-link', 'href'), linkInMail);

    // Act: open the link from the panel (a new tab, as from a mail client) and click
    const [landing] = await Promise.all([page.waitForEvent('popup'), page.click('#cl-link')]);
    await landing.getByRole('heading', { name: 'Confirm your email address' }).waitFor({ timeout: 15_000 });
    assert.equal(await landing.locator('.lead').textContent(), 'Confirm grace@example.com for Example.');
    await landing.getByRole('button', { name: 'Confirm my email address' }).click();
    await landing.locator('main[data-state="done"]').waitFor({ timeout: 15_000 });

    // Assess: cognito-local has the user confirmed, and the panel says so
    await page.bringToFront();
    await page.click('#cl-refresh');
    await page.locator('#cl-status', { hasText: /^CONFIRMED$/ }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await sandbox.cognitoLocal.status({ email: 'grace@example.com' }), { status: 'CONFIRMED' });
  });

  it('a simulated send links to the same page, where cognito-local refuses it', async () => {
    // Prepare
    const record = await sandbox.fire({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' }, code: '271828' });
    const link = record.emails[0]?.text?.split(/\s+/).find((word) => word.startsWith(`${sandbox.info().landing?.url}#`));
    assert.ok(link, 'the simulated email carries the link');
    const page = await browser.newPage();

    // Act
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();

    // Assess: cognito-local answered (the simulated event's app client is not one of its own),
    // and the page says so instead of confirming anything
    await page.locator('main[data-state="failed"]').waitFor({ timeout: 15_000 });
    assert.match((await page.locator('main').textContent()) ?? '', /refused \(ResourceNotFoundException\)[\s\S]*enter the code in the app/);
  });
});

describe('sandbox off loopback: the landing page needs the access token', { timeout: 60_000 }, () => {
  let sandbox: Sandbox;

  before(async () => {
    useTestAwsEnv();
    sandbox = await startSandbox({ port: 0, smtpPort: 0, host: '0.0.0.0', userEnv: {} });
  });

  after(async () => {
    await sandbox?.close();
  });

  it('serves the page under /landing/<token>/ and refuses it without the token', async () => {
    // Act
    const landingUrl = sandbox.info().landing?.url;
    const withToken = await fetch(new URL('landing.js', landingUrl));
    const withoutToken = await fetch(`${sandbox.origin}/landing/landing.js`);
    const guessedToken = await fetch(`${sandbox.origin}/landing/not-the-token/landing.js`);

    // Assess
    assert.equal(landingUrl, `${sandbox.origin}/landing/${sandbox.token}/`);
    assert.equal(withToken.status, 200);
    assert.match(withToken.headers.get('content-type') ?? '', /javascript/);
    assert.equal(withoutToken.status, 401);
    assert.equal(guessedToken.status, 401);
  });
});

describe('sandbox landing page without cognito-local', () => {
  it('points config.json at a local address that refuses, never at AWS', async () => {
    // Prepare: a sandbox whose cognito-local cannot start (as when it is not installed)
    const sandbox = { cognitoLocal: { start: () => Promise.reject(new Error('cognito-local is not installed here')) } } as unknown as Sandbox;
    const server = await startSandboxServer({ sandbox, gallery: {} as Gallery, port: 0, host: '127.0.0.1', rawEmail: () => undefined, landingConfig: {} });
    try {
      // Act
      const response = await fetch(new URL('config.json', server.landingUrl));
      const config = (await response.json()) as { cognitoEndpoint: string };
      const call = await fetch(config.cognitoEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', origin: server.origin }, body: '{}' });

      // Assess
      assert.equal(response.status, 200);
      assert.ok(config.cognitoEndpoint.startsWith(`${server.origin}/landing/`), config.cognitoEndpoint);
      assert.equal(call.status, 404);
    } finally {
      await server.close();
    }
  });
});
