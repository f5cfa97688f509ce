/**
 * The landing page's pure parts (reading the fragment, the password policy, what an error means)
 * and its file server. The page's behaviour in a browser is in test/e2e/links.browser.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLandingFetchHandler, startLandingServer, type LandingServer } from '../../src/landing/serve.ts';

type Landing = {
  parseLink(hash: string): Record<string, string> | undefined;
  unmetPasswordRules(password: string, policy: Record<string, unknown>): string[];
  errorKind(error: { name: string; message: string }): string;
  pickLanguage(fromLink: string, browser: readonly string[]): string;
  appDeepLink(appUrl: string, link: Record<string, string>): string;
};
// A browser module in plain JavaScript (no build step): imported by URL, typed here.
const landing = (await import(new URL('../../src/landing/landing.js', import.meta.url).href)) as Landing;

describe('landing page logic', () => {
  it('reads a whole link, and refuses one a mail app cut short', () => {
    const whole = '#action=reset&code=123456&username=ada%40example.com&client=abc&region=eu-west-1&to=ada%40example.com&app=Acme+%26+Co&lang=de';
    assert.deepEqual(landing.parseLink(whole), {
      action: 'reset', code: '123456', username: 'ada@example.com', client: 'abc', region: 'eu-west-1', attribute: 'email', to: 'ada@example.com', app: 'Acme & Co', lang: 'de',
    });
    assert.equal(landing.parseLink('#action=reset&code=123456&username=ada'), undefined, 'no client id');
    assert.equal(landing.parseLink('#action=delete&code=1'), undefined, 'unknown action');
    assert.equal(landing.parseLink(''), undefined);
    // Verification and sign-in need no client: the app or the session does the work.
    assert.equal(landing.parseLink('#action=verify&code=123456')?.action, 'verify');
  });

  it('checks a password against the pool policy given in config.json', () => {
    const policy = { MinimumLength: 12, RequireUppercase: false, RequireLowercase: true, RequireNumbers: true, RequireSymbols: false };
    assert.deepEqual(landing.unmetPasswordRules('abc', policy), ['rule.length', 'rule.number']);
    assert.deepEqual(landing.unmetPasswordRules('abcdefghijk1', policy), []);
    const strict = { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true };
    assert.deepEqual(landing.unmetPasswordRules('Abcdefg1 ', strict), [], 'a space counts as a symbol, as in Cognito');
    assert.deepEqual(landing.unmetPasswordRules('Abcdefg12', strict), ['rule.symbol']);
  });

  it('turns Cognito errors into what the person should do', () => {
    const kinds = [
      ['ExpiredCodeException', 'Invalid code provided, please request a code again.'],
      ['CodeMismatchException', 'Invalid verification code provided, please try again.'],
      ['NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED'],
      ['NotAuthorizedException', 'Incorrect username or password.'],
      ['LimitExceededException', 'Attempt limit exceeded, please try after some time.'],
      ['InvalidPasswordException', 'Password does not conform to policy'],
      ['CognitoLocal#Unsupported', 'Cognito Local unsupported feature'],
    ].map(([name, message]) => landing.errorKind({ name: name as string, message: message as string }));
    assert.deepEqual(kinds, ['expired', 'mismatch', 'already', 'failed', 'limit', 'password', 'failed']);
  });

  it('speaks the language of the email, else the browser, else English', () => {
    assert.equal(landing.pickLanguage('fr-CA', ['de-DE']), 'fr');
    assert.equal(landing.pickLanguage('', ['es-ES', 'de-AT']), 'de');
    assert.equal(landing.pickLanguage('pt', ['es']), 'en');
  });

  it('deep-links into the app with the code in the fragment, never the query', () => {
    const url = new URL(landing.appDeepLink('https://app.example/verify?x=1#old', { action: 'signin', code: '123456', username: 'ada' }));
    assert.equal(url.search, '?x=1');
    assert.equal(url.hash, '#action=signin&code=123456&username=ada');
  });
});

describe('landing page file server', () => {
  let server: LandingServer;
  before(async () => {
    server = await startLandingServer({ config: { appUrl: 'https://app.example/' } });
  });
  after(() => server.close());

  it('serves the page, its files and config.json; GET and HEAD only', async () => {
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await page.text(), /<script type="module" src="landing.js">/);
    assert.deepEqual(await (await fetch(new URL('config.json', server.url))).json(), { appUrl: 'https://app.example/' });
    assert.equal((await fetch(new URL('landing.js', server.url))).headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal((await fetch(server.url, { method: 'POST', body: 'x' })).status, 405);
    assert.equal((await fetch(new URL('serve.ts', server.url))).status, 404, 'only the page files, not the folder');
  });
});

describe('landing page fetch handler (to mount in a Hono app such as the sandbox)', () => {
  it('answers under its base path only, leaving every other path to the caller', async () => {
    const config = { cognitoEndpoint: '' };
    const handle = createLandingFetchHandler({ config, basePath: '/landing' });
    config.cognitoEndpoint = 'http://127.0.0.1:9229/';
    const page = handle(new Request('http://sandbox.local/landing/'));
    const json = handle(new Request('http://sandbox.local/landing/config.json'));
    assert.equal(page?.status, 200);
    assert.match((await page?.text()) ?? '', /<main class="card" id="app"/);
    assert.deepEqual(await json?.json(), { cognitoEndpoint: 'http://127.0.0.1:9229/' }, 'config read at request time');
    assert.equal(handle(new Request('http://sandbox.local/api/state')), undefined);
    assert.equal(handle(new Request('http://sandbox.local/landing/nope.js')), undefined);
  });
});

describe('landing page messages', () => {
  it('has every English message in French and German, with the same placeholders', async () => {
    const { MESSAGES } = (await import(new URL('../../src/landing/messages.js', import.meta.url).href)) as { MESSAGES: Record<string, Record<string, string>> };
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
    for (const language of ['fr', 'de']) {
      assert.deepEqual(Object.keys(MESSAGES[language] ?? {}).sort(), Object.keys(MESSAGES.en ?? {}).sort(), language);
      for (const [key, text] of Object.entries(MESSAGES.en ?? {})) assert.equal(placeholders(MESSAGES[language]?.[key] ?? ''), placeholders(text), `${language} ${key}`);
    }
  });
});
