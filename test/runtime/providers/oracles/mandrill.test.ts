/**
 * Mailchimp Transactional (Mandrill): the relay's messages/send and messages/send-template
 * requests against the ones the official `@mailchimp/mailchimp_transactional` SDK sends (field
 * names typed by its DefinitelyTyped declarations), the API key in the body as both put it.
 */
import { after, before, describe, it } from 'node:test';
import mailchimpTransactional from '@mailchimp/mailchimp_transactional';
import type { MessagesMessage } from '@mailchimp/mailchimp_transactional';
import { context, sampleEmail } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const API_KEY = 'md-oracle-test-key';

describe('mandrill against @mailchimp/mailchimp_transactional', () => {
  let capture: Capture;
  let base: string;
  before(async () => {
    capture = await startCapture({ status: 200, body: [{ email: 'ada@example.com', status: 'sent', reject_reason: null, _id: 'abc123abc123abc123abc123abc123ab' }] });
    base = onCapture(await declaredDefault('email', 'mandrill', 'MANDRILL_BASE_URL'), capture.url);
  });
  after(() => capture.close());

  /**
   * The SDK pointed at the capture server through its `basePath` (the API root, version
   * included). The SDK pins API version 1.3, the relay defaults to the documented 1.0: both serve
   * the same messages API, so the SDK is given the relay's root to compare the operation paths.
   */
  function sdk() {
    const client = mailchimpTransactional(API_KEY);
    (client as unknown as { basePath: string }).basePath = base;
    return client;
  }

  const relay = () => relayProvider('email', 'mandrill', { MANDRILL_API_KEY: API_KEY, MANDRILL_BASE_URL: base });

  const common = (message: ReturnType<typeof sampleEmail>): MessagesMessage => ({
    from_email: message.from.email,
    from_name: message.from.name!,
    to: [{ email: message.to, type: 'to' }],
    headers: { 'Reply-To': message.replyTo! },
    tags: message.tags,
    // The declarations demand a `website` key the API does not (any string map is metadata).
    metadata: message.metadata as MessagesMessage['metadata'],
    preserve_recipients: false,
    track_opens: false,
    track_clicks: false,
  });

  it('sends plain content to messages/send as the SDK does (key in the JSON body)', async () => {
    const message = sampleEmail();
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() =>
      sdk().messages.send({
        message: { ...common(message), subject: message.subject, html: message.html, text: message.text, auto_text: false },
      }),
    );
    assertSameRequest(mine, theirs);
  });

  it('sends a template to messages/send-template with handlebars merge vars as the SDK does', async () => {
    const variables = { code: '482913', user: { given_name: 'Ada' } };
    const message = sampleEmail({ hostedTemplate: { id: 'otp-code', variables } });
    const mine = await capture.during(async () => (await relay()).send(message, context()));
    const theirs = await capture.during(() => sdk().messages.sendTemplate({
      template_name: 'otp-code',
      template_content: [],
      message: {
        ...common(message),
        merge_language: 'handlebars',
        // Handlebars merge vars take objects ({{user.given_name}}); the declarations type content
        // as a string, as the Swagger file does (patched in test/support/openapi.ts).
        global_merge_vars: Object.entries(variables).map(([name, content]) => ({ name, content: content as string })),
      },
    }));
    assertSameRequest(mine, theirs);
  });
});
