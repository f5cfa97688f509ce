/**
 * The "Sign up through cognito-local" panel of the sandbox page in a real browser (Debian's
 * Chromium driven by playwright-core): sign up, see the invocation and the email cognito-local
 * caused, refuse a wrong code, confirm with the delivered one. cognito-local and the shipped
 * bundle are real (`npm run build` first). With UPDATE_SCREENSHOTS=1 the screenshot is copied to
 * docs/images/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import { chromiumLaunchOptions } from '../../support/chromium.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = join(root, 'dist/lambda/index.mjs');

describe('sandbox web UI: sign up through cognito-local', { timeout: 120_000 }, () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    sandbox = await startSandbox({ port: 0, smtpPort: 0, userEnv: { APP_NAME: 'Example' } });
    browser = await chromium.launch(await chromiumLaunchOptions());
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  it('signs up, shows the delivered code and the invocation, refuses a wrong code, confirms', async () => {
    // Prepare
    await page.goto(sandbox.url);
    await page.fill('#cl-email', 'hedy@example.com');
    await page.fill('#cl-password', 'Frequency-Hop-42');

    // Act: sign up
    await page.click('#cl-signup');

    // Assess: the code the inbox received is offered, the user is UNCONFIRMED in cognito-local
    await page.locator('#cl-status', { hasText: 'UNCONFIRMED' }).waitFor({ timeout: 30_000 });
    const code = await page.inputValue('#cl-code');
    assert.match(code, /^\d{6}$/);
    const received = sandbox.stack.smtp.messages.at(-1);
    assert.equal(received?.envelopeTo[0], 'hedy@example.com');
    assert.ok(received?.parsed.text?.includes(code), 'the code offered is the one in the mail the inbox received');
    // The invocation cognito-local caused is in the feed and selected, with the function's logs.
    const item = page.locator('.feed-item.selected');
    assert.match(await item.innerText(), /hedy@example\.com · SignUp by cognito-local/);
    assert.match(await page.locator('.invocation-card').innerText(), /CustomEmailSender_SignUp[\s\S]*called by cognito-local/);
    assert.match(await page.locator('.invocation-card .logs').innerText(), /delivered/);
    const body = page.frameLocator('.message-card iframe.email-frame').locator('body');
    await body.waitFor();
    assert.match(await body.innerText(), new RegExp(code.split('').join('\\s*')));
    // The emulator's endpoint, in the panel and in the function box.
    const url = sandbox.info().cognitoLocal?.url ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await page.locator('#cl-endpoint').innerText(), url);
    assert.equal(await page.locator('#env-cognito-local').innerText(), url);

    // Act: a wrong code
    await page.fill('#cl-code', code === '000000' ? '111111' : '000000');
    await page.click('#cl-confirm');

    // Assess
    const error = page.locator('#cl-error');
    await error.waitFor();
    assert.match(await error.innerText(), /CodeMismatchException/);

    // Act: the delivered code, with Enter in the code field
    await page.fill('#cl-code', code);
    await page.press('#cl-code', 'Enter');

    // Assess
    await page.locator('#cl-status', { hasText: /^CONFIRMED$/ }).waitFor();
    assert.equal(await page.locator('#cl-error').count(), 0);
    assert.equal(await page.locator('.feed-item').count(), 1, 'confirming sends nothing (and Enter did not sign up again)');
    mkdirSync(join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-results', 'sandbox-cognito-local.png') });
    if (process.env.UPDATE_SCREENSHOTS === '1') copyFileSync(join(root, 'test-results', 'sandbox-cognito-local.png'), join(root, 'docs/images/sandbox-cognito-local.png'));
  });
});
