/**
 * Brevo: the relay's POST /v3/smtp/email against the one the official `@getbrevo/brevo` SDK
 * sends for the same message (its generated SendTransacEmailRequest type names the fields).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrevoClient, type Brevo } from '@getbrevo/brevo';
import { IDEMPOTENCY_KEY, context, sampleEmail } from '../messages.ts';
import { assertSameRequest, at, declaredDefault, onCapture, relayProvider, startCapture, type Capture } from './wire.ts';

const API_KEY = 'xkeysib-oracle-test';
const AUTH = { authHeaders: ['api-key'] };
/** Headers the SDK's generator (Fern) adds to describe itself; Brevo does not act on them. */
const SDK_HEADERS = {
  'x-fern-language': 'names the SDK language',
  'x-fern-sdk-name': 'names the SDK package',
  'x-fern-sdk-version': 'names the SDK version',
  'x-fern-runtime': 'names the runtime',
  'x-fern-runtime-version': 'names the runtime version',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('brevo against @getbrevo/brevo', () => {
  let capture: Capture;
  before(async () => {
    capture = await startCapture({ status: 201, body: { messageId: '<202601010000.12345678901@smtp-relay.mailin.fr>' } });
  });
  after(() => capture.close());

  /** The SDK pointed at the capture server through its documented `baseUrl` option (API root, /v3 included). */
  const sdk = async () => {
    const root = onCapture(await declaredDefault('email', 'brevo', 'BREVO_BASE_URL'), capture.url);
    return new BrevoClient({ apiKey: API_KEY, baseUrl: `${root}/v3`, maxRetries: 0 });
  };

  async function relay() {
    const base = onCapture(await declaredDefault('email', 'brevo', 'BREVO_BASE_URL'), capture.url);
    return relayProvider('email', 'brevo', { BREVO_API_KEY: API_KEY, BREVO_BASE_URL: base });
  }

  /**
   * Brevo deduplicates on `headers.idempotencyKey`, a UUID. How the relay turns the Cognito request
   * into one is its own choice, so the SDK is given the relay's UUID and the test checks it is a
   * UUID that stays the same for the same request.
   */
  function request(message: ReturnType<typeof sampleEmail>, idempotencyKey: string): Brevo.SendTransacEmailRequest {
    const common = {
      sender: { email: message.from.email, name: message.from.name! },
      to: [{ email: message.to }],
      replyTo: { email: message.replyTo! },
      tags: message.tags,
      // X-Mailin-custom comes back in Brevo's webhooks, for correlation.
      headers: { idempotencyKey, 'X-Mailin-custom': Object.entries(message.metadata).map(([k, v]) => `${k}:${v}`).join('|') },
    };
    return message.hostedTemplate
      ? { ...common, templateId: Number(message.hostedTemplate.id), params: message.hostedTemplate.variables }
      : { ...common, subject: message.subject, htmlContent: message.html, textContent: message.text };
  }

  async function compare(message: ReturnType<typeof sampleEmail>) {
    const mine = await capture.during(async () => (await relay()).send(message, context()), AUTH);
    const key = at(mine.body, 'headers.idempotencyKey');
    assert.match(String(key), UUID, 'headers.idempotencyKey is a UUID');
    const again = await capture.during(async () => (await relay()).send(message, context()), AUTH);
    assert.equal(at(again.body, 'headers.idempotencyKey'), key, 'the same Cognito request keeps its key');
    const client = await sdk();
    const theirs = await capture.during(() => client.transactionalEmails.sendTransacEmail(request(message, String(key))), AUTH);
    assertSameRequest(mine, theirs, { ignoreHeaders: SDK_HEADERS });
  }

  it('sends plain content as the SDK does (api-key header, JSON, idempotencyKey in headers)', async () => {
    await compare(sampleEmail());
  });

  it('sends a stored template by numeric id with params as the SDK does', async () => {
    await compare(sampleEmail({ hostedTemplate: { id: '12', variables: { code: '482913', user: { given_name: 'Ada' } } } }));
  });

  it('gives different Cognito requests different idempotency keys', async () => {
    const first = await capture.during(async () => (await relay()).send(sampleEmail(), context()), AUTH);
    const other = { ...context(), idempotencyKey: IDEMPOTENCY_KEY.replace(/^3b/, '4c') };
    const second = await capture.during(async () => (await relay()).send(sampleEmail(), other), AUTH);
    assert.notEqual(at(first.body, 'headers.idempotencyKey'), at(second.body, 'headers.idempotencyKey'));
  });
});
