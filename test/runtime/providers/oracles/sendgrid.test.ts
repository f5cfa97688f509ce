/**
 * SendGrid: the relay's mail/send request against the one the official `@sendgrid/mail` SDK
 * builds for the same message (the SDK maps its camelCase options onto SendGrid's field names).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sendgrid from '@sendgrid/mail';
import { context, sampleEmail } from '../messages.ts';
import { assertSameRequest, at, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

/** The SDK's own type for one message: its field names are the oracle, checked by tsc. */
type MailData = Extract<Parameters<typeof sendgrid.send>[0], { to?: unknown }>;
const API_KEY = 'SG.oracle-test-key';
const TEMPLATE_ID = 'd-0123456789abcdef0123456789abcdef';

describe('sendgrid against @sendgrid/mail', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 202, headers: { 'x-message-id': '14c5d75ce93.dfd.64b469' } });
  });
  after(() => capture.close());

  /** The SDK's own client, pointed at the capture server through its documented `baseUrl` request default. */
  function sdk() {
    // The package's default instance (this file is its only user).
    sendgrid.setApiKey(API_KEY);
    // `client` is the SDK's @sendgrid/client instance; its typings leave the property out.
    (sendgrid as unknown as { client: { setDefaultRequest(key: string, value: string): void } }).client.setDefaultRequest('baseUrl', capture.url);
    return sendgrid;
  }

  async function relay() {
    const base = onCapture(await declaredDefault('email', 'sendgrid', 'SENDGRID_BASE_URL'), capture.url);
    return relayProvider('email', 'sendgrid', { SENDGRID_API_KEY: API_KEY, SENDGRID_BASE_URL: base });
  }

  /** The message the relay sends, written as SendGrid's SDK takes it. */
  function sdkMessage(message = sampleEmail()): MailData {
    const content = message.hostedTemplate
      ? { templateId: message.hostedTemplate.id, dynamicTemplateData: message.hostedTemplate.variables }
      : { subject: message.subject, text: message.text, html: message.html };
    return {
      ...content,
      to: message.to,
      from: { email: message.from.email, name: message.from.name! },
      replyTo: message.replyTo!,
      categories: message.tags,
      customArgs: message.metadata,
      trackingSettings: {
        clickTracking: { enable: false, enableText: false },
        openTracking: { enable: false },
        subscriptionTracking: { enable: false },
      },
      // "Deliver auth mail to users who unsubscribed from marketing" is bypass_unsubscribe_management;
      // bypass_list_management also drops bounce and spam-report protection.
      mailSettings: { bypassUnsubscribeManagement: { enable: true } },
    };
  }

  async function both(message = sampleEmail()) {
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() => sdk().send(sdkMessage(message)));
    return { mine, theirs };
  }

  it('sends plain content as the SDK does (method, path, Bearer key, JSON body)', async () => {
    const { mine, theirs } = await both();
    assertSameRequest(mine, theirs, {
      ignoreBody: { mail_settings: 'checked on its own below (known defect, fixed in src/runtime/providers)' },
    });
  });

  it('sends a dynamic template as the SDK does', async () => {
    const { mine, theirs } = await both(sampleEmail({ hostedTemplate: { id: TEMPLATE_ID, variables: { code: '482913', user: { given_name: 'Ada' } } } }));
    assertSameRequest(mine, theirs, {
      ignoreBody: { mail_settings: 'checked on its own below (known defect, fixed in src/runtime/providers)' },
    });
  });

  it('bypasses only the unsubscribe lists for auth mail, as the SDK spells it (mail_settings)', async () => {
    const { mine, theirs } = await both();
    assert.deepEqual(at(mine.body, 'mail_settings'), at(theirs.body, 'mail_settings'));
  });
});
