/**
 * Many apps and tenants: relay.config.json routes each event to a profile (app client, client
 * metadata, user attribute, default) and each profile sends with its own templates, brand,
 * sender and provider chain. The end-to-end part runs the real relay against the loopback
 * KMS stand-in, a real SMTP inbox and a SendGrid capture server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRelayConfigFile } from '../../../src/runtime/config/profiles.ts';
import { CLIENT_ID_NOT_APPLICABLE, createProfileRouter } from '../../../src/runtime/core/profiles.ts';
import { embeddedModuleSource } from '../../../src/runtime/templates/esbuild-plugin.ts';
import { ConfigError } from '../../../src/runtime/errors.ts';
import { startHarness, type Harness } from '../../support/harness.ts';

const SHOP_CLIENT = 'shopclient0000000000000001';
const ADMIN_CLIENT = 'adminclient000000000000001';

const relayConfig = {
  profiles: {
    shop: { appName: 'Shop', from: 'Shop <no-reply@shop.example>', templates: '@shop', brand: { primaryColor: '#0a7d5a', logoUrl: 'https://shop.example/logo.png' } },
    admin: { appName: 'Shop Admin', from: 'admin@shop.example', replyTo: 'ops@shop.example', templates: '@shop', brand: { primaryColor: '#222222' } },
    globex: { appName: 'Globex', from: 'Globex <hello@globex.example>', templates: '@tenant', brand: { primaryColor: '#c0392b', supportEmail: 'help@globex.example' } },
    initech: {
      appName: 'Initech',
      from: 'Initech <hello@initech.example>',
      templates: '@tenant',
      brand: { primaryColor: '#2e86de' },
      emailProviders: ['sendgrid', 'smtp'],
    },
  },
  routes: [
    { clientId: SHOP_CLIENT, profile: 'shop' },
    { clientId: [ADMIN_CLIENT], profile: 'admin' },
    { clientMetadata: { tenant: 'globex' }, profile: 'globex' },
    { userAttribute: { 'custom:tenant': ['initech', 'initech-eu'] }, profile: 'initech' },
  ],
  default: 'shop',
};

describe('profile routing', () => {
  const route = createProfileRouter(parseRelayConfigFile(JSON.stringify(relayConfig)).config!.routes, 'shop');
  const event = (clientId: string | undefined, clientMetadata: Record<string, string> = {}, userAttributes: Record<string, string> = {}) => ({
    clientId,
    clientMetadata,
    userAttributes,
  });

  for (const [name, input, expected] of [
    ['app client id', event(ADMIN_CLIENT), 'admin'],
    ['client metadata key', event('otherclient', { tenant: 'globex' }), 'globex'],
    ['user attribute (one of a list)', event('otherclient', {}, { 'custom:tenant': 'initech-eu' }), 'initech'],
    ['first match wins: the client id route comes before the tenant route', event(ADMIN_CLIENT, { tenant: 'globex' }), 'admin'],
    ['nothing matches: the default', event('otherclient', { tenant: 'hooli' }, { 'custom:tenant': 'hooli' }), 'shop'],
    ['no caller context: the default', event(undefined), 'shop'],
    ['AdminCreateUser (CLIENT_ID_NOT_APPLICABLE) falls through to the attribute route', event(CLIENT_ID_NOT_APPLICABLE, {}, { 'custom:tenant': 'initech' }), 'initech'],
  ] as const) {
    it(`${name} → ${expected}`, () => assert.equal(route(input), expected));
  }

  it('a clientId route listing CLIENT_ID_NOT_APPLICABLE still never matches admin calls (documented fallback)', () => {
    const admin = createProfileRouter([{ clientId: CLIENT_ID_NOT_APPLICABLE, profile: 'admin' }], 'shop');
    assert.equal(admin(event(CLIENT_ID_NOT_APPLICABLE)), 'shop');
  });
});

describe('relay.config.json checks', () => {
  it('names every unknown profile reference and setting, with its place in the file', () => {
    const { problems } = parseRelayConfigFile(
      JSON.stringify({ profiles: { a: { from: 'not an address', colour: 'red' } }, routes: [{ clientId: 'x', profile: 'b' }], default: 'c' }),
    );
    assert.ok(problems.some((p) => /profiles\.a\.from: must be an address/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /profiles\.a\.colour: unknown profile setting/.test(p)), problems.join('\n'));
    const refs = parseRelayConfigFile(JSON.stringify({ profiles: { a: {} }, routes: [{ clientId: 'x', profile: 'b' }], default: 'c' })).problems;
    assert.deepEqual(refs, [
      'relay.config.json: default: unknown profile "c"; profiles are a',
      'relay.config.json: routes.0.profile: unknown profile "b"; profiles are a',
    ]);
  });

  it('fails the build on an unknown profile, template set or provider', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-build-'));
    try {
      const configFile = join(dir, 'relay.config.json');
      writeFileSync(
        configFile,
        JSON.stringify({ profiles: { a: { templates: '@missing', emailProviders: ['sendgird'] } }, routes: [{ userAttribute: { 'custom:tenant': 'x' }, profile: 'b' }], default: 'a' }),
      );
      const module = embeddedModuleSource({ userDir: join(dir, 'templates'), configFile });
      assert.equal(module.contents, '');
      const text = module.errors.join('\n');
      assert.match(text, /routes\.0\.profile: unknown profile "b"/);
      assert.match(text, /profiles\.a\.templates: no folder templates\/@missing\//);
      assert.match(text, /profiles\.a\.emailProviders: unknown email provider "sendgird"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the build when a profile template set drops the code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-config-build-'));
    try {
      mkdirSync(join(dir, 'templates', '@acme', 'en', 'SignUp'), { recursive: true });
      writeFileSync(join(dir, 'templates', '@acme', 'en', 'SignUp', 'email.html'), '<p>Welcome to {{brand.website}}</p>');
      const configFile = join(dir, 'relay.config.json');
      writeFileSync(configFile, JSON.stringify({ profiles: { a: { templates: '@acme' } }, default: 'a' }));
      const module = embeddedModuleSource({ userDir: join(dir, 'templates'), configFile });
      assert.match(module.errors.join('\n'), /profile a \(templates\/@acme\): en\/SignUp\/email\.html.*does not contain \{\{code\}\}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one relay, four profiles (end to end)', () => {
  let h: Harness;
  const templates = mkdtempSync(join(tmpdir(), 'profiles-templates-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(templates, path, '..'), { recursive: true });
    writeFileSync(join(templates, path), text);
  };
  write('@shop/en/SignUp/email.subject', '{{appName}}: confirm your account');
  write('@shop/en/SignUp/email.html', '<img src="{{brand.logoUrl}}"><h1 style="color:{{brand.primaryColor}}">{{appName}}</h1><p>Code {{code}}</p>');
  write('@tenant/en/SignUp/email.subject', 'Welcome to {{appName}} ({{profile}})');
  write('@tenant/en/SignUp/email.html', '<h1 style="color:{{brand.primaryColor}}">{{appName}}</h1><p>Your code: {{code}}</p>{{#brand.supportEmail}}<p>Help: {{.}}</p>{{/brand.supportEmail}}');
  process.env.TEMPLATES_DIR = templates;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
    rmSync(templates, { recursive: true, force: true });
  });

  it('the same SignUp event yields four differently branded emails, each from its profile', async () => {
    const { relay } = await h.relay({}, { relayConfig: JSON.stringify(relayConfig) });
    const code = await h.encrypt('424242');
    const sent = h.inbox.messages.length;
    const shop = await relay.handle(h.event('CustomEmailSender_SignUp', code, { clientId: SHOP_CLIENT }));
    const admin = await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('424243'), { clientId: ADMIN_CLIENT }));
    const globex = await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('424244'), { clientId: 'web', clientMetadata: { tenant: 'globex' } }));
    const initech = await relay.handle(
      h.event('CustomEmailSender_SignUp', await h.encrypt('424245'), { clientId: 'web', userAttributes: { email: 'ada@example.com', 'custom:tenant': 'initech' } }),
    );

    // The profiles without a chain keep the environment's (smtp), not every provider a profile names.
    assert.deepEqual([shop.provider, admin.provider, globex.provider, initech.provider], ['smtp', 'smtp', 'smtp', 'sendgrid']);
    const mails = h.inbox.messages.slice(sent);
    assert.equal(mails.length, 3);
    const [shopMail, adminMail, globexMail] = mails.map((m) => m.parsed);
    assert.deepEqual(shopMail!.from?.value, [{ address: 'no-reply@shop.example', name: 'Shop' }]);
    assert.equal(shopMail!.subject, 'Shop: confirm your account');
    assert.match(String(shopMail!.html), /src="https:&#x2F;&#x2F;shop\.example&#x2F;logo\.png".*color:#0a7d5a.*Code 424242/s);
    assert.deepEqual(adminMail!.from?.value, [{ address: 'admin@shop.example', name: '' }]);
    assert.equal(adminMail!.replyTo?.text, 'ops@shop.example');
    assert.match(String(adminMail!.html), /color:#222222">Shop Admin</);
    assert.deepEqual(globexMail!.from?.value, [{ address: 'hello@globex.example', name: 'Globex' }]);
    assert.equal(globexMail!.subject, 'Welcome to Globex (globex)');
    assert.match(String(globexMail!.html), /Help: help@globex\.example/);

    const request = JSON.parse(h.sendgrid.requests.at(-1)!.body) as { from: { email: string; name: string }; subject: string; content: { type: string; value: string }[] };
    assert.deepEqual(request.from, { email: 'hello@initech.example', name: 'Initech' });
    assert.equal(request.subject, 'Welcome to Initech (initech)');
    assert.match(request.content.find((c) => c.type === 'text/html')!.value, /color:#2e86de">Initech<.*424245/s);
  });

  it('a profile without a chain does not fail over to providers only other profiles name', async () => {
    const { profiles } = await h.relay({}, { relayConfig: JSON.stringify(relayConfig) });
    const chain = (name: string) => profiles.get(name)!.settings.email?.providers.map((p) => p.definition.name);
    assert.deepEqual(chain('shop'), ['smtp']);
    assert.deepEqual(chain('initech'), ['sendgrid', 'smtp']);
  });

  it('AdminCreateUser carries CLIENT_ID_NOT_APPLICABLE and is served by the default profile', async () => {
    const { relay } = await h.relay({}, { relayConfig: JSON.stringify(relayConfig) });
    const sent = h.inbox.messages.length;
    await relay.handle(h.event('CustomEmailSender_AdminCreateUser', await h.encrypt('Tq7#mZ2!pL'), { clientId: CLIENT_ID_NOT_APPLICABLE }));
    assert.deepEqual(h.inbox.messages[sent]?.parsed.from?.value, [{ address: 'no-reply@shop.example', name: 'Shop' }]);
  });

  it('refuses to start with a file naming an unknown profile, listing the problem', async () => {
    const error = await h.relay({}, { relayConfig: JSON.stringify({ ...relayConfig, default: 'nobody' }) }).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /default: unknown profile "nobody"/);
  });

  it('an app client id created at deploy time is named as ${VARIABLE} and read from the environment at cold start', async () => {
    const withReference = { ...relayConfig, routes: [{ clientId: '${ADMIN_CLIENT_ID}', profile: 'admin' }] };
    const { relay } = await h.relay({ ADMIN_CLIENT_ID: ADMIN_CLIENT }, { relayConfig: JSON.stringify(withReference) });
    const sent = h.inbox.messages.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('626262'), { clientId: ADMIN_CLIENT }));
    assert.deepEqual(h.inbox.messages[sent]?.parsed.from?.value, [{ address: 'admin@shop.example', name: '' }]);
    const error = await h.relay({}, { relayConfig: JSON.stringify(withReference) }).catch((e: unknown) => e);
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /routes\.0\.clientId: ADMIN_CLIENT_ID is not set/);
  });

  it('without the file, one default profile from the environment as before', async () => {
    const { relay, profiles } = await h.relay();
    assert.deepEqual([...profiles.keys()], ['default']);
    const sent = h.inbox.messages.length;
    await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt('515151'), { clientId: SHOP_CLIENT }));
    assert.deepEqual(h.inbox.messages[sent]?.parsed.from?.value, [{ address: 'no-reply@example.com', name: 'Example' }]);
  });
});
