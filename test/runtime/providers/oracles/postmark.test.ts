/**
 * Postmark: the relay's /email and /email/withTemplate requests against the ones the official
 * `postmark` SDK sends for the same message (its Message and TemplatedMessage types name the fields).
 */
import { after, before, describe, it } from 'node:test';
import { Models, ServerClient, type Message, type TemplatedMessage } from 'postmark';
import { context, sampleEmail } from '../messages.ts';
import { assertSameRequest, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const SERVER_TOKEN = 'postmark-oracle-server-token';
const AUTH = { authHeaders: ['x-postmark-server-token'] };

describe('postmark against the postmark SDK', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({
      status: 200,
      body: { To: 'ada@example.com', SubmittedAt: '2026-01-01T00:00:00Z', MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817', ErrorCode: 0, Message: 'OK' },
    });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its documented `requestHost` / `useHttps` options. */
  const sdk = () => new ServerClient(SERVER_TOKEN, { useHttps: false, requestHost: new URL(capture.url).host });

  async function relay() {
    const base = onCapture(await declaredDefault('email', 'postmark', 'POSTMARK_BASE_URL'), capture.url);
    const stream = await declaredDefault('email', 'postmark', 'POSTMARK_MESSAGE_STREAM');
    return { provider: await relayProvider('email', 'postmark', { POSTMARK_SERVER_TOKEN: SERVER_TOKEN, POSTMARK_BASE_URL: base }), stream };
  }

  /** Fields every send carries: sender, stream, tag, reply-to, tracking off, metadata. */
  const common = (message: ReturnType<typeof sampleEmail>, stream: string) => ({
    From: `${message.from.name} <${message.from.email}>`,
    To: message.to,
    MessageStream: stream,
    Tag: message.tags[0]!,
    ReplyTo: message.replyTo!,
    TrackOpens: false,
    TrackLinks: Models.LinkTrackingOptions.None,
    Metadata: message.metadata,
  });

  it('sends plain content to /email as the SDK does (server token header, JSON)', async () => {
    const message = sampleEmail();
    const { provider, stream } = await relay();
    const mine = await capture.during(() => provider.send(message, context()), AUTH);
    const email: Message = { ...common(message, stream), Subject: message.subject, HtmlBody: message.html, TextBody: message.text };
    assertSameRequest(mine, await capture.during(() => sdk().sendEmail(email), AUTH));
  });

  for (const [kind, id] of [
    ['alias', 'code-signup'],
    ['numeric id', '3456789'],
  ] as const) {
    it(`sends a template by ${kind} to /email/withTemplate as the SDK does`, async () => {
      const variables = { code: '482913', user: { given_name: 'Ada' } };
      const message = sampleEmail({ hostedTemplate: { id, variables } });
      const { provider, stream } = await relay();
      const mine = await capture.during(() => provider.send(message, context()), AUTH);
      const templated: TemplatedMessage = {
        ...common(message, stream),
        ...(/^\d+$/.test(id) ? { TemplateId: Number(id) } : { TemplateAlias: id }),
        TemplateModel: variables,
      };
      assertSameRequest(mine, await capture.during(() => sdk().sendEmailWithTemplate(templated), AUTH));
    });
  }
});
