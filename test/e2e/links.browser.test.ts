/**
 * Verification links end to end, in a real browser: cognito-local (the npm Cognito emulator) makes
 * and encrypts the code, the relay (shipped bundle: `npm run build` first) renders it into a link
 * to the landing page and delivers it to a real SMTP inbox, and Chromium (playwright-core) opens
 * that link the way a person — or a mail scanner — would. cognito-local's own state is the judge:
 * AdminGetUser says UNCONFIRMED or CONFIRMED, InitiateAuth accepts the new password or not.
 *
 * The page calls cognito-local directly, cross-origin: cognito-local answers CORS preflights
 * (`Access-Control-Allow-Origin: *`), as Cognito does. Screenshots land in test-results/; with
 * UPDATE_SCREENSHOTS=1 the ones the README shows are also copied to docs/images/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  CreateUserPoolClientCommand,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  GetUserCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startCognitoLocalRelay, type CognitoLocalRelay } from '../../src/tools/local/cognito-local.ts';
import type { ReceivedMail } from '../../src/tools/local/smtp-inbox.ts';
import { startLandingServer, type LandingConfig, type LandingServer } from '../../src/landing/serve.ts';
import { createSecretHashHandler, secretHash } from '../../src/landing/secret-hash.ts';
import { chromiumLaunchOptions } from '../support/chromium.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const results = join(root, 'test-results');
const PASSWORD = 'Correct-Horse-9';

async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(results, { recursive: true });
  const path = join(results, name);
  await page.screenshot({ path, fullPage: true });
  if (forDocs && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(join(root, 'docs/images'), { recursive: true });
    copyFileSync(path, join(root, 'docs/images', name));
  }
}

describe('verification links: email → landing page → cognito-local, in Chromium', { timeout: 180_000 }, () => {
  let local: CognitoLocalRelay;
  let landing: LandingServer;
  let browser: Browser;
  const config: LandingConfig = {};
  /** Every request a page made to cognito-local, by operation (x-amz-target). */
  const cognitoCalls: string[] = [];

  before(async () => {
    landing = await startLandingServer({ config });
    local = await startCognitoLocalRelay({ relay: { kind: 'bundle' }, relayEnv: { APP_NAME: 'Acme', LINK_BASE_URL: landing.url } });
    config.cognitoEndpoint = local.cognitoUrl;
    browser = await chromium.launch(await chromiumLaunchOptions());
  });

  after(async () => {
    await browser?.close();
    await local?.close();
    await landing?.close();
  });

  async function newPage(options: { locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 720, height: 640 }, locale: options.locale ?? 'en-US' });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('request', (request) => {
      if (request.url().startsWith(local.cognitoUrl) && request.method() === 'POST') cognitoCalls.push(request.headers()['x-amz-target'] ?? '?');
    });
    return { context, page };
  }

  async function nextMail(email: string, afterId: number): Promise<ReceivedMail> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const mail = local.stack.smtp.messages.find((m) => m.id > afterId && m.envelopeTo.includes(email));
      if (mail) return mail;
      assert.ok(Date.now() < deadline, `no mail to ${email}: ${local.invocations.at(-1)?.error?.message ?? ''}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const lastMailId = () => local.stack.smtp.messages.at(-1)?.id ?? 0;

  /** The landing-page link in a delivered mail (text part), checked against the HTML button. */
  function linkIn(mail: ReceivedMail): string {
    const url = new RegExp(`${landing.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}#\\S+`).exec(mail.parsed.text ?? '')?.[0];
    assert.ok(url, 'the mail text holds a landing-page link');
    const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=').replace(/&#x2F;/g, '/'));
    assert.ok(hrefs.includes(url), 'the HTML button points at the same link');
    return url;
  }

  async function signUpWithLink(email: string, attributes: { Name: string; Value: string }[] = []): Promise<{ mail: ReceivedMail; url: string }> {
    const before = lastMailId();
    await local.client.send(
      new SignUpCommand({ ClientId: local.clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }, ...attributes] }),
    );
    const mail = await nextMail(email, before);
    return { mail, url: linkIn(mail) };
  }

  it('SignUp: the link keeps everything in the fragment; a scanner GET and a page load without a click change nothing; the click confirms', async () => {
    // Prepare
    const email = 'ada@example.com';
    const { mail, url } = await signUpWithLink(email);
    const code = /\b(\d{6})\b/.exec(mail.parsed.text ?? '')?.[1] ?? '';
    const { context, page } = await newPage();
    const callsBefore = cognitoCalls.length;

    // Act 1: what a scanner does — fetch the URL (the fragment never leaves the client) and its assets.
    const [base, fragment] = url.split('#') as [string, string];
    const scanned = await fetch(url);
    const scannedBody = await scanned.text();
    for (const asset of ['landing.js', 'messages.js', 'landing.css', 'config.json']) assert.equal((await fetch(new URL(asset, base))).status, 200);

    // Act 2: a headless browser that runs the page and never clicks.
    await page.goto(url);
    await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);

    // Assess: the link, the page, and nothing changed yet
    assert.equal(base, landing.url, 'nothing but the base URL before the fragment');
    assert.equal(new URL(url).search, '');
    assert.match(fragment, new RegExp(`(^|&)code=${code}(&|$)`));
    assert.ok(mail.parsed.text?.includes(code), 'the code stays in the mail as a fallback');
    assert.equal(scanned.status, 200);
    assert.ok(!scannedBody.includes(code), 'the server never sees the code');
    assert.equal(await page.locator('.lead').textContent(), `Confirm ${email} for Acme.`);
    assert.equal(cognitoCalls.length, callsBefore, 'no Cognito call before the click');
    assert.equal(await local.userStatus(email), 'UNCONFIRMED');
    assert.equal(page.url(), base, 'the code is taken out of the address bar');
    await page.reload();
    await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
    await screenshot(page, 'landing-confirm.png', true);

    // Act 3: the person clicks
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.locator('main[data-state="done"]').waitFor();

    // Assess
    assert.equal(await local.userStatus(email), 'CONFIRMED');
    assert.deepEqual(cognitoCalls.slice(callsBefore), ['AWSCognitoIdentityProviderService.ConfirmSignUp']);
    assert.match((await page.locator('main').textContent()) ?? '', /Your email address is confirmed/);

    // The email, for the README (a blank page: the landing page's CSP would block inline styles).
    const mailView = await context.newPage();
    await mailView.setContent(typeof mail.parsed.html === 'string' ? mail.parsed.html : '');
    await screenshot(mailView, 'email-with-link.png', true);
    await context.close();
  });

  it('a used link shows the "send a new code" page, and says clearly that cognito-local 5.3 cannot resend', async () => {
    // Prepare: confirmed through its link once
    const email = 'grace@example.com';
    const { url } = await signUpWithLink(email);
    const { context, page } = await newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.locator('main[data-state="done"]').waitFor();

    // Act: the same link again (cognito-local has forgotten the code: ExpiredCodeException)
    const again = await context.newPage();
    await again.goto(url);
    await again.getByRole('button', { name: 'Confirm my email address' }).click();
    await again.locator('main[data-state="expired"]').waitFor();
    await screenshot(again, 'landing-expired.png', true);
    await again.getByRole('button', { name: 'Send me a new code' }).click();
    await again.locator('main[data-state="resend-failed"]').waitFor();

    // Assess
    assert.equal(await again.getByRole('heading').textContent(), 'This link has expired');
    assert.match((await again.locator('.status').textContent()) ?? '', /could not send a new code from here/);
    assert.doesNotMatch((await again.locator('main').textContent()) ?? '', /Exception|Unsupported/);
    await context.close();
  });

  it('a wrong code shows the "no longer valid" page in the language of the email (fr)', async () => {
    // Prepare
    const email = 'marie@example.com';
    const { mail, url } = await signUpWithLink(email, [{ Name: 'locale', Value: 'fr' }]);
    const code = /code=(\d{6})/.exec(url)?.[1] ?? '';
    const wrong = url.replace(`code=${code}`, `code=${code === '000000' ? '111111' : '000000'}`);
    const { context, page } = await newPage({ locale: 'en-US' });

    // Act
    await page.goto(wrong);
    await page.getByRole('button', { name: 'Confirmer mon adresse e-mail' }).click();
    await page.locator('main[data-state="mismatch"]').waitFor();

    // Assess
    assert.match(mail.parsed.subject ?? '', /Confirmez/);
    assert.equal(await page.getByRole('heading').textContent(), 'Ce lien n’est plus valide');
    assert.ok(await page.getByRole('button', { name: 'M’envoyer un nouveau code' }).isVisible());
    assert.equal(await local.userStatus(email), 'UNCONFIRMED');
    await context.close();
  });

  it('ForgotPassword: the form enforces the policy, the new password signs in; the used link offers a new email that arrives', async () => {
    // Prepare
    const email = 'katherine@example.com';
    const { url: confirmUrl } = await signUpWithLink(email);
    const { context, page } = await newPage();
    await page.goto(confirmUrl);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.locator('main[data-state="done"]').waitFor();
    const before = lastMailId();
    await local.client.send(new ForgotPasswordCommand({ ClientId: local.clientId, Username: email }));
    const url = linkIn(await nextMail(email, before));
    const newPassword = 'Brand-New-Pass-7';

    // Act: a password the policy refuses, then a good one
    await page.goto(url);
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Repeat the new password').fill('short');
    await page.getByRole('button', { name: 'Set my new password' }).click();
    const refused = await page.locator('.problem').textContent();
    const unmet = await page.locator('.rules li:not(.met)').allTextContents();
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await screenshot(page, 'landing-reset.png', true);
    await page.getByRole('button', { name: 'Set my new password' }).click();
    await page.locator('main[data-state="done"]').waitFor();

    // Assess
    assert.match(refused ?? '', /does not meet the password rules/);
    assert.deepEqual(unmet, ['at least 8 characters', 'an uppercase letter', 'a number', 'a symbol, such as ! @ # $ %']);
    const signIn = await local.client.send(
      new InitiateAuthCommand({ ClientId: local.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: newPassword } }),
    );
    assert.ok(signIn.AuthenticationResult?.AccessToken, 'the new password signs in');

    // Act: the used link again → "send a new code" → ForgotPassword again
    const beforeResend = lastMailId();
    const again = await context.newPage();
    await again.goto(url);
    await again.getByLabel('New password', { exact: true }).fill('Another-Pass-8');
    await again.getByLabel('Repeat the new password').fill('Another-Pass-8');
    await again.getByRole('button', { name: 'Set my new password' }).click();
    await again.locator('main[data-state="mismatch"], main[data-state="expired"]').waitFor();
    await again.getByRole('button', { name: 'Send me a new code' }).click();
    await again.locator('main[data-state="resent"]').waitFor();

    // Assess
    const resent = await nextMail(email, beforeResend);
    assert.notEqual(linkIn(resent), url, 'a new link with a new code');
    assert.match((await again.locator('.status').textContent()) ?? '', /We sent a new email to k\*\*\*@example\.com/);
    await context.close();
  });

  it('attribute verification: with the app session on this origin the click verifies; without one the page deep-links into the app', async () => {
    // Prepare: a confirmed, signed-in user asks for an email verification code
    const email = 'hedy@example.com';
    const { url: confirmUrl } = await signUpWithLink(email);
    const { context, page } = await newPage();
    await page.goto(confirmUrl);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.locator('main[data-state="done"]').waitFor();
    const auth = await local.client.send(
      new InitiateAuthCommand({ ClientId: local.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: PASSWORD } }),
    );
    const accessToken = auth.AuthenticationResult?.AccessToken ?? '';
    const before = lastMailId();
    await local.client.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: accessToken, AttributeName: 'email' }));
    const url = linkIn(await nextMail(email, before));
    config.appUrl = 'http://127.0.0.1:9/app';

    // Act 1: no session on this origin
    const noSession = await context.newPage();
    await noSession.goto(url);
    await noSession.locator('main[data-state="needs-session"]').waitFor();
    const deepLink = await noSession.getByRole('link', { name: 'Open the app to verify' }).getAttribute('href');

    // Act 2: the app's session (Amplify's localStorage keys) on the page's origin
    const username = (await local.client.send(new GetUserCommand({ AccessToken: accessToken }))).Username ?? '';
    await page.evaluate(
      ([clientId, user, token]) => {
        localStorage.setItem(`CognitoIdentityServiceProvider.${clientId}.LastAuthUser`, user as string);
        localStorage.setItem(`CognitoIdentityServiceProvider.${clientId}.${user}.accessToken`, token as string);
      },
      [local.clientId, username, accessToken],
    );
    await page.goto(url);
    await page.getByRole('button', { name: 'Verify my email address' }).click();
    await page.locator('main[data-state="done"]').waitFor();

    // Assess
    delete config.appUrl;
    const code = /code=(\d{6})/.exec(url)?.[1] ?? '';
    assert.equal(deepLink, `http://127.0.0.1:9/app#action=verify&code=${code}&username=${encodeURIComponent(new URLSearchParams(url.split('#')[1]).get('username') ?? '')}&attribute=email`);
    assert.equal(await noSession.locator('.code').textContent(), code, 'the code to type in the app');
    assert.ok(cognitoCalls.includes('AWSCognitoIdentityProviderService.VerifyUserAttribute'));
    await context.close();
  });

  it('an app client with a secret: the click goes through the SECRET_HASH endpoint, the page never holds the secret', async () => {
    // Prepare: a client with a secret, and the endpoint (function URL handler) on loopback in
    // front of a recorder that passes everything on to cognito-local.
    const created = await local.client.send(
      new CreateUserPoolClientCommand({ UserPoolId: local.userPoolId, ClientName: 'with-secret', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    );
    const clientId = created.UserPoolClient?.ClientId ?? '';
    const clientSecret = created.UserPoolClient?.ClientSecret ?? '';
    assert.ok(clientSecret, 'cognito-local generated a secret');
    const forwarded: { target: string; body: Record<string, string> }[] = [];
    const recorder = await listen(async (request, response) => {
      const body = await readBody(request);
      forwarded.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(body) as Record<string, string> });
      const answer = await fetch(local.cognitoUrl, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': String(request.headers['x-amz-target']) }, body });
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' }).end(await answer.text());
    });
    const endpointHandler = createSecretHashHandler({ clientSecrets: { [clientId]: clientSecret }, allowedOrigin: landing.url.slice(0, -1), cognitoEndpoint: recorder.url });
    const endpoint = await listen(async (request, response) => {
      const result = await endpointHandler({ requestContext: { http: { method: request.method ?? 'GET' } }, headers: request.headers as Record<string, string>, body: await readBody(request) });
      response.writeHead(result.statusCode, result.headers).end(result.body);
    });
    config.secretClients = { [clientId]: endpoint.url };
    const email = 'annie@example.com';
    const before = lastMailId();
    await local.client.send(
      new SignUpCommand({ ClientId: clientId, SecretHash: secretHash(email, clientId, clientSecret), Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
    );
    const url = linkIn(await nextMail(email, before));
    const { context, page } = await newPage();
    const pageTraffic: string[] = [];
    page.on('request', (request) => pageTraffic.push(`${request.url()} ${request.postData() ?? ''}`));

    try {
      // Act
      await page.goto(url);
      await page.getByRole('button', { name: 'Confirm my email address' }).click();
      await page.locator('main[data-state="done"]').waitFor();

      // Assess
      const username = new URLSearchParams(url.split('#')[1]).get('username') ?? '';
      assert.equal(new URLSearchParams(url.split('#')[1]).get('client'), clientId);
      assert.equal(await local.userStatus(email), 'CONFIRMED');
      assert.deepEqual(forwarded.map((f) => f.target), ['AWSCognitoIdentityProviderService.ConfirmSignUp']);
      // cognito-local does not check SecretHash; the value follows Cognito's documented formula.
      assert.equal(forwarded[0]?.body.SecretHash, secretHash(username, clientId, clientSecret));
      assert.ok(!pageTraffic.some((line) => line.includes(clientSecret)), 'the secret never reaches the browser');
      assert.ok(pageTraffic.some((line) => line.startsWith(endpoint.url)), 'the page called the endpoint');
    } finally {
      delete config.secretClients;
      await context.close();
      await endpoint.close();
      await recorder.close();
    }
  });
});

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A loopback HTTP server that answers CORS preflights for any origin (the endpoint under test answers its own). */
async function listen(handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
