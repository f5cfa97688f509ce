/**
 * examples/many-apps: two apps (shop web, admin console) and two tenants (Globex, Initech) on one
 * pool and one relay. The example's bundle is built with its relay.config.json and templates
 * (MJML, React Email, plain HTML), the CDK app synthesizes with it, and the same SignUp event
 * yields four differently branded emails from the four profiles, as in the sandbox.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildManyAppsRelay } from '../../examples/many-apps/build.ts';
import { ManyAppsStack } from '../../examples/many-apps/stack.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startSandbox } from '../../src/tools/sandbox/sandbox.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/many-apps/', import.meta.url));
// The sandbox reads the templates folder from TEMPLATES_DIR; so does this process.
process.env.TEMPLATES_DIR = join(EXAMPLE, 'templates');

describe('examples/many-apps', () => {
  const out = mkdtempSync(join(tmpdir(), 'many-apps-'));
  let bundle = '';
  let h: Harness;
  before(async () => {
    bundle = await buildManyAppsRelay(join(out, 'lambda'));
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('builds a bundle that carries the routes and the compiled templates, and no MJML or React', () => {
    const code = readFileSync(join(bundle, 'index.mjs'), 'utf8');
    assert.match(code, /ADMIN_CLIENT_ID/);
    assert.match(code, /letter-spacing:6px/, 'the compiled MJML');
    assert.ok(!/mjml-core|react-dom|jsx-runtime/.test(code));
  });

  it('deploys from the CDK construct: the app client ids reach the routes, SES may send for the tenants', () => {
    const app = new App();
    const stack = new ManyAppsStack(app, 'ManyApps', { code: lambda.Code.fromAsset(bundle), sendgridSecretName: 'cognito-relay/sendgrid', env: { account: '111122223333', region: 'eu-west-1' } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 2);
    const outputs = template.findOutputs('AttachCommand');
    assert.match(JSON.stringify(outputs), /npx --no-install cognito-relay attach/);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          EMAIL_PROVIDERS: 'ses,sendgrid',
          SHOP_CLIENT_ID: { Ref: Match.stringLikeRegexp('ShopWeb') },
          ADMIN_CLIENT_ID: { Ref: Match.stringLikeRegexp('AdminConsole') },
        }),
      },
    });
    const sesStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy['Properties'] as { PolicyDocument: { Statement: { Action: string }[] } }).PolicyDocument.Statement)
      .filter((statement) => statement.Action === 'ses:SendEmail');
    const identities = JSON.stringify(sesStatements).match(/identity\/[a-z.@-]+/g);
    assert.deepEqual(identities, ['identity/no-reply@shop.example', 'identity/shop.example', 'identity/globex.example', 'identity/initech.example']);
  });

  it('the same SignUp event yields four differently branded emails from four profiles', async () => {
    const { relay } = await h.relay(
      { SHOP_CLIENT_ID: 'shopweb00000000000000000001', ADMIN_CLIENT_ID: 'adminconsole000000000000001' },
      { relayConfig: readFileSync(join(EXAMPLE, 'relay.config.json'), 'utf8'), environmentProvidersOnly: true },
    );
    const sent = h.inbox.messages.length;
    const events = [
      { clientId: 'shopweb00000000000000000001' },
      { clientId: 'adminconsole000000000000001' },
      { clientId: 'shopweb00000000000000000001', userAttributes: { email: 'ada@example.com', 'custom:tenant': 'globex' } },
      { clientId: 'shopweb00000000000000000001', clientMetadata: { tenant: 'initech' } },
    ];
    for (const [index, overrides] of events.entries()) {
      await relay.handle(h.event('CustomEmailSender_SignUp', await h.encrypt(`90000${index}`), overrides));
    }
    const mails = h.inbox.messages.slice(sent).map((m) => m.parsed);
    assert.deepEqual(
      mails.map((m) => [m.from?.value[0]?.address, m.subject]),
      [
        ['no-reply@shop.example', 'Welcome to Shop: confirm your email'],
        ['admin@shop.example', 'Shop Admin: your console account'],
        ['hello@globex.example', 'Globex: your verification code'],
        ['hello@initech.example', 'Initech: your verification code'],
      ],
    );
    const html = mails.map((m) => String(m.html));
    for (const [index, colour] of ['#0a7d5a', '#1f2937', '#c0392b', '#2e86de'].entries()) {
      assert.ok(html[index]!.includes(colour), `profile ${index} shows its colour`);
      assert.ok(html[index]!.includes(`90000${index}`), `profile ${index} carries its code`);
    }
    assert.match(html[2]!, /Help: (<!-- -->)?help@globex\.example/);
    assert.match(html[3]!, /Help: (<!-- -->)?https:&#x2F;&#x2F;initech\.example&#x2F;help/);
  });

  it('in the sandbox, firing the same SignUp as each profile gives four branded emails', async () => {
    const sandbox = await startSandbox({
      port: 0,
      smtpPort: 0,
      bundle: join(bundle, 'index.mjs'),
      userEnv: { RELAY_CONFIG: join(EXAMPLE, 'relay.config.json'), TEMPLATES_DIR: join(EXAMPLE, 'templates'), PATH: process.env['PATH'] },
    });
    try {
      assert.deepEqual(sandbox.info().profiles, ['shop', 'admin', 'globex', 'initech']);
      const from: string[] = [];
      for (const profile of ['shop', 'admin', 'globex', 'initech']) {
        const record = await sandbox.fire({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' }, profile });
        assert.ok(record.ok, JSON.stringify(record.error));
        assert.equal(record.codeCheck?.ok ?? true, true);
        from.push(`${record.emails[0]?.from} | ${record.emails[0]?.subject}`);
      }
      assert.equal(new Set(from).size, 4, from.join('\n'));
      assert.match(from[2]!, /hello@globex\.example.*Globex: your verification code/);
      assert.throws(() => sandbox.fire({ triggerSource: 'SignUp', profile: 'hooli' }), /no route leads to profile "hooli".*profiles are shop, admin, globex, initech/);

      // The gallery: app × trigger × locale.
      const gallery = (await (await fetch(`${sandbox.url}/api/gallery`)).json()) as { profiles: string[]; cards: { profile?: string; trigger: string; locale: string; email?: { subject: string; html: string } }[] };
      assert.deepEqual(gallery.profiles, ['shop', 'admin', 'globex', 'initech']);
      const signUp = gallery.cards.filter((c) => c.trigger === 'SignUp' && c.locale === 'en');
      assert.deepEqual(
        signUp.map((c) => [c.profile, c.email?.subject]),
        [
          ['shop', 'Welcome to Shop: confirm your email'],
          ['admin', 'Shop Admin: your console account'],
          ['globex', 'Globex: your verification code'],
          ['initech', 'Initech: your verification code'],
        ],
      );
      assert.match(signUp[3]!.email!.html, /color:#2e86de/);
    } finally {
      await sandbox.close();
    }
  });
});
