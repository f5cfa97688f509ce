/**
 * The sandbox's web UI in a real browser (Debian's Chromium driven by playwright-core): fire
 * triggers from the form and read what arrives, the way a user does, at phone, laptop and desktop
 * widths. Screenshots land in test-results/; with UPDATE_SCREENSHOTS=1 the main ones (one per
 * width) are also copied to docs/images/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TRIGGERS } from '../../../src/runtime/cognito/triggers.ts';
import { BUILTIN_TEMPLATES_DIR } from '../../../src/runtime/templates/paths.ts';
import { startSandbox, type Sandbox } from '../../../src/tools/sandbox/sandbox.ts';
import { chromiumLaunchOptions } from '../../support/chromium.ts';
import { useTestAwsEnv } from '../../support/harness.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = join(root, 'dist/lambda/index.mjs');
const results = join(root, 'test-results');

async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(results, { recursive: true });
  const path = join(results, name);
  await page.screenshot({ path });
  if (forDocs && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(join(root, 'docs/images'), { recursive: true });
    copyFileSync(path, join(root, 'docs/images', name));
  }
}

describe('sandbox web UI', { timeout: 240_000 }, () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;
  let userTemplates: string;

  before(async () => {
    assert.ok(existsSync(bundle), 'run `npm run build` first: the sandbox runs the shipped bundle');
    useTestAwsEnv();
    // Named like the repository's folder: the gallery shows the folder's name.
    userTemplates = join(mkdtempSync(join(tmpdir(), 'sandbox-ui-')), 'templates');
    mkdirSync(userTemplates);
    sandbox = await startSandbox({ port: 0, smtpPort: 0, templatesDir: userTemplates, userEnv: { APP_NAME: 'Example' } });
    browser = await chromium.launch(await chromiumLaunchOptions());
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
    rmSync(join(userTemplates, '..'), { recursive: true, force: true });
  });

  it('shows the verification email with the code when a sign-up is fired', async () => {
    // Prepare
    await page.goto(sandbox.url);
    await page.selectOption('#trigger', 'CustomEmailSender_SignUp');
    await page.fill('#email', 'grace@example.com');
    await page.fill('#given-name', 'Grace');
    await page.fill('#code', '271828');

    // Act
    await page.click('#fire');

    // Assess: the email, rendered from its HTML part in a sandboxed frame, carries the code
    const card = page.locator('.message-card');
    await card.waitFor();
    assert.match(await card.locator('.meta').innerText(), /grace@example\.com/);
    const frame = card.locator('iframe.email-frame');
    assert.equal(await frame.getAttribute('sandbox'), '', 'the email HTML runs in a sandbox="" frame');
    const body = page.frameLocator('.message-card iframe.email-frame').locator('body');
    await body.waitFor();
    const html = await body.innerText();
    assert.match(html, /271828|2\s*7\s*1\s*8\s*2\s*8/);
    assert.match(html, /Grace/);
    assert.match(await card.locator('.code-check').innerText(), /✓/);
    // What the SMTP server received is what the page shows.
    const received = sandbox.stack.smtp.messages.at(-1);
    assert.equal(received?.envelopeTo[0], 'grace@example.com');
    assert.match(received?.parsed.text ?? '', /271828/);
    // The handler's own log line for this invocation, with its timings.
    assert.match(await page.locator('.invocation-card .logs').innerText(), /delivered/);
    assert.match(await page.locator('.invocation-card .timings').innerText(), /Init \(cold start\)/);
    await screenshot(page, 'sandbox-inbox.png', true);

    await page.click('.message-card .tab:has-text("Text")');
    assert.match(await page.locator('.message-card .text-part').innerText(), /271828/);
  });

  it('shows the SMS when an SMS trigger is fired', async () => {
    // Prepare
    await page.selectOption('#trigger', 'CustomSMSSender_ForgotPassword');
    await page.fill('#phone', '+447700900123');
    await page.fill('#code', '112358');

    // Act
    await page.click('#fire');

    // Assess
    const bubble = page.locator('.sms-body');
    await bubble.waitFor();
    assert.match(await bubble.innerText(), /112358/);
    assert.match(await page.locator('.message-card .message-subject').innerText(), /\+447700900123/);
    // A warm call this time: the function process started for the email above.
    assert.match(await page.locator('.invocation-card .timings').innerText(), /warm/);
    assert.equal(await page.locator('.feed-item').count(), 2);
    await screenshot(page, 'sandbox-sms.png', true);
  });

  it('shows the error the handler raised when an invocation fails', async () => {
    // Prepare: not an E.164 number, which the relay refuses before calling any provider
    await page.selectOption('#trigger', 'CustomSMSSender_SignUp');
    await page.fill('#phone', '12345');

    // Act
    await page.click('#fire');

    // Assess
    const error = page.locator('.error-box');
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /EventError/);
    assert.match(text, /phone_number/);
    assert.match(text, /E\.164/);
    assert.match(await page.locator('.feed-item.selected').innerText(), /SignUp failed/);
    await screenshot(page, 'sandbox-error.png');
  });

  it('renders every trigger × locale in the gallery and reloads when a template changes', async () => {
    // Prepare
    const triggerNames = new Set(TRIGGERS.map((t) => t.name));
    const locales = readdirSync(BUILTIN_TEMPLATES_DIR).filter((name) => statSync(join(BUILTIN_TEMPLATES_DIR, name)).isDirectory());

    // Act
    await page.goto(`${sandbox.url}/gallery`);
    await page.locator('.render-card').first().waitFor();

    // Assess: one card per trigger and locale, desktop and mobile side by side
    assert.equal(await page.locator('.render-card').count(), triggerNames.size * locales.length);
    assert.equal(await page.locator('.trigger-section').count(), triggerNames.size);
    const signUp = page.locator('#t-SignUp');
    assert.match((await signUp.locator('.variables').textContent()) ?? '', /\{\{code\}\}/);
    const firstCard = signUp.locator('.render-card').first();
    assert.match(await firstCard.innerText(), /Desktop · 600 px[\s\S]*Mobile · 375 px/);
    await firstCard.locator('iframe.email-frame').first().waitFor();
    const widths = await firstCard.locator('iframe.email-frame').evaluateAll((frames) => frames.map((f) => (f as HTMLElement).offsetWidth));
    assert.deepEqual(widths, [600, 375]);
    await screenshot(page, 'sandbox-gallery.png', true);

    // Act: the user overrides the English sign-up subject
    mkdirSync(join(userTemplates, 'en/SignUp'), { recursive: true });
    writeFileSync(join(userTemplates, 'en/SignUp/email.subject'), 'Welcome aboard, {{name}}!');

    // Assess: the open page picks it up without a manual reload, and says where it came from
    const englishCard = page.locator('#t-SignUp .render-card[data-locale="en"]');
    await englishCard.locator('.subject', { hasText: 'Welcome aboard, Ada!' }).waitFor({ timeout: 10_000 });
    assert.match(await englishCard.locator('.source-list').innerText(), /templates\/en\/SignUp\/email\.subject/);
  });

  /** Everything wider than its box, as `what: scrollWidth > clientWidth`; empty when nothing overflows. */
  const overflowing = (target: Page) =>
    target.evaluate(() => {
      const found: string[] = [];
      if (document.documentElement.scrollWidth > window.innerWidth) found.push(`page: ${document.documentElement.scrollWidth} > ${window.innerWidth}`);
      for (const column of document.querySelectorAll<HTMLElement>('.column, .gallery-main, .render-card, .card')) {
        if (column.scrollWidth > column.clientWidth + 1) found.push(`${column.className}: ${column.scrollWidth} > ${column.clientWidth}`);
      }
      return found;
    });

  /** Frames drawn past the right edge of the card or stage that holds them. */
  const clippedFrames = (target: Page) =>
    target.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.fit')]
        .filter((box) => {
          const container = box.closest('.render-card, .frame-stage')!;
          return box.getBoundingClientRect().right > container.getBoundingClientRect().right + 1 || box.getBoundingClientRect().left < container.getBoundingClientRect().left - 1;
        })
        .map((box) => box.parentElement?.textContent ?? 'frame'),
    );

  for (const width of [390, 1024, 1440]) {
    it(`is usable ${width} px wide: nothing overflows, the Send button stays on one line, emails and placeholders show whole`, async () => {
      // Prepare
      // The same page, resized: a second page's sandboxed frames are not painted in headless Chromium.
      const narrow = page;
      await narrow.setViewportSize({ width, height: 900 });
      try {
        await narrow.goto(sandbox.url);
        await narrow.selectOption('#trigger', 'CustomEmailSender_SignUp');
        await narrow.fill('#code', '577215');

        // Act
        await narrow.click('#fire');
        // Attached, not visible: on a phone the message is below the fold, where Chromium does not paint frames.
        await narrow.frameLocator('.message-card iframe.email-frame').locator('body', { hasText: '577215' }).waitFor({ state: 'attached' });
        await narrow.locator('#fire:not([disabled]) #fire-label').waitFor();
        const button = await narrow.locator('#fire').evaluate((element) => ({
          height: element.getBoundingClientRect().height,
          label: (element.querySelector('#fire-label') as HTMLElement).scrollWidth <= (element.querySelector('#fire-label') as HTMLElement).clientWidth,
        }));
        const inboxOverflow = await overflowing(narrow);
        const inboxClipped = await clippedFrames(narrow);
        // On a phone the message is below the form: show it. Then time to paint the frame now in
        // view (a scaled frame's body reports no size, so there is nothing to wait for instead).
        if (width < 760) {
          const top = await narrow.locator('.message-card').evaluate((card) => card.getBoundingClientRect().top);
          await narrow.mouse.move(width / 2, 400);
          await narrow.mouse.wheel(0, top);
        }
        await narrow.waitForTimeout(1_000);
        await screenshot(narrow, `sandbox-${width}.png`, true);
        await narrow.evaluate(() => window.scrollTo(0, 0));
        await narrow.selectOption('#trigger', 'CustomEmailSender_AccountTakeOverNotification');
        const placeholder = await narrow.locator('#code').evaluate((input) => {
          const style = getComputedStyle(input);
          const context = document.createElement('canvas').getContext('2d')!;
          context.font = style.font;
          const room = (input as HTMLInputElement).clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return { text: (input as HTMLInputElement).placeholder, fits: context.measureText((input as HTMLInputElement).placeholder).width <= room };
        });
        await narrow.goto(`${sandbox.url}/gallery`);
        await narrow.locator('.render-card iframe.email-frame').first().waitFor();
        const galleryOverflow = await overflowing(narrow);
        const galleryClipped = await clippedFrames(narrow);
        await screenshot(narrow, `sandbox-gallery-${width}.png`, true);

        // Assess
        assert.deepEqual(inboxOverflow, [], 'inbox');
        assert.deepEqual(galleryOverflow, [], 'gallery');
        assert.deepEqual(inboxClipped, [], 'the email shows whole in the inbox');
        assert.deepEqual(galleryClipped, [], 'desktop and mobile frames show whole in the gallery');
        assert.ok(button.height <= 40, `the Send button is one line high (${button.height} px)`);
        assert.ok(button.label, 'its label is not cut');
        assert.ok(placeholder.fits, `the ATO code placeholder "${placeholder.text}" fits its field`);
      } finally {
        await narrow.setViewportSize({ width: 1440, height: 900 });
      }
    });
  }
});
