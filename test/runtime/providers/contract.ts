/**
 * The contract every provider keeps (one shared suite, as hono's common router cases): it is
 * run against each provider with a loopback server answering in that provider's own formats.
 *
 * - accepted → resolves with the provider's message id
 * - a 2xx that is a failure (where the provider has one) → the right kind, the provider's text
 * - 400 / 401 → permanent (never retried), 401 names the setting to fix
 * - errors about the recipient (bad address, bounce, opt-out) are marked so delivery does not
 *   fail over to another provider; errors about the provider's key, sender or account are not
 * - 429 + Retry-After → retryable, with the wait and the header it came from
 * - 500 / 503 → retryable; rate-limit headers the provider sends on every answer are no wait
 * - connection refused, TLS handshake that never completes → retryable (nothing was sent)
 * - timeout after the request was sent → unknown (the provider may have accepted it)
 * - the answers the provider's own docs show (`documented`, each with its source) → what they mean
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { ProviderError, type ProviderFailureKind } from '../../../src/runtime/errors.ts';
import type { Message, Provider, SendContext } from '../../../src/runtime/providers/types.ts';
import { startFakeProvider, type FakeProvider, type ScriptedResponse } from '../../support/fake-provider.ts';
import { context } from './messages.ts';

export interface ContractCase {
  name: string;
  response: ScriptedResponse;
  kind: ProviderFailureKind;
  /** Matches the error message (provider text, hint). */
  text?: RegExp;
  /** The error is about the recipient (bad address, bounce, opt-out): delivery must not fail over. */
  recipient?: boolean;
  /** The provider's own code the error must carry. */
  providerCode?: string;
  /** The header (or `body`) the error's wait must come from; with `retryAfterMs`, the wait itself. */
  retryAfterSource?: string;
  retryAfterMs?: number;
}

/** An answer as the provider's documentation shows it, with where it shows it. */
export interface DocumentedCase extends ContractCase {
  /** The doc page, spec file or SDK file the answer is copied from. */
  source: string;
}

export interface ProviderContract<M extends Message> {
  name: string;
  create(baseUrl: string): Provider<M>;
  message(): M;
  success: { response: ScriptedResponse; messageId: string };
  /** The provider's own error answer for `status`, carrying `text` (and extra headers). */
  error(status: number, text: string, headers?: Record<string, string>): ScriptedResponse;
  /** What a 401 (or the provider's auth failure) tells the user to fix. */
  authHint: RegExp;
  /** 2xx answers that are failures. */
  failuresIn2xx?: ContractCase[];
  /** Provider-specific classifications (e.g. Mandrill's 500 ValidationError is permanent). */
  cases?: ContractCase[];
  /** Error answers exactly as the provider's docs show them. */
  documented?: DocumentedCase[];
  /** Rate-limit headers the provider documents on every answer (success and 5xx alike). */
  rateLimitHeaders?: { source: string; headers: Record<string, string> };
  /** AWS SDK clients cannot tell "never connected" from "no answer": skip that case for them. */
  sdkTransport?: boolean;
}

/** Sends and returns the ProviderError it must fail with. */
export async function sendFailing<M extends Message>(provider: Provider<M>, message: M, ctx: SendContext = context()): Promise<ProviderError> {
  try {
    await provider.send(message, ctx);
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the send to fail');
}

/** An https URL whose server accepts the TCP connection and never answers the TLS handshake. */
async function silentTlsUrl(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL where nothing listens: a port that was just free. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export function providerContract<M extends Message>(contract: ProviderContract<M>): void {
  describe(`${contract.name}: provider contract`, () => {
    let fake: FakeProvider;
    let provider: Provider<M>;
    before(async () => {
      fake = await startFakeProvider(contract.success.response);
      provider = contract.create(fake.url);
    });
    after(async () => {
      await provider.close?.();
      await fake.close();
    });

    it('resolves with the provider message id when the provider accepts the message', async () => {
      fake.script(contract.success.response);
      const before = fake.requests.length;
      const delivered = await provider.send(contract.message(), context());
      assert.equal(delivered.provider, contract.name);
      assert.equal(delivered.messageId, contract.success.messageId);
      assert.equal(fake.requests.length, before + 1, 'one request, no hidden retries');
    });

    for (const failure of contract.failuresIn2xx ?? []) {
      it(`fails as ${failure.kind} when the provider answers ${failure.response.status} but ${failure.name}`, async () => {
        fake.script(failure.response);
        const error = await sendFailing(provider, contract.message());
        assert.equal(error.kind, failure.kind);
        if (failure.text) assert.match(error.message, failure.text);
        assert.equal(error.recipient, failure.recipient ?? false, 'about the recipient?');
      });
    }

    it("rejects permanently with the provider's own text when it answers 400", async () => {
      fake.script(contract.error(400, 'the parameter "to" is not valid'));
      const error = await sendFailing(provider, contract.message());
      assert.equal(error.kind, 'permanent');
      assert.equal(error.status, 400);
      assert.match(error.providerMessage, /the parameter "to" is not valid/);
    });

    it('masks the recipient when the provider quotes it in its error text', async () => {
      fake.script(contract.error(400, 'recipient ada.lovelace@example.com or +14155550123 is not valid'));
      const error = await sendFailing(provider, contract.message());
      assert.doesNotMatch(error.message, /ada\.lovelace@example\.com|\+14155550123/);
      assert.match(error.message, /a\*\*\*@example\.com/);
    });

    it('rejects permanently and says which setting to fix when the credentials are refused (401)', async () => {
      fake.script(contract.error(401, 'invalid credentials'));
      const error = await sendFailing(provider, contract.message());
      assert.equal(error.kind, 'permanent');
      assert.match(error.message, contract.authHint);
    });

    it('is retryable and keeps the wait the provider asked for, naming the header, when it answers 429 with Retry-After', async () => {
      fake.script(contract.error(429, 'too many requests', { 'retry-after': '7' }));
      const error = await sendFailing(provider, contract.message());
      assert.equal(error.kind, 'retryable');
      assert.equal(error.retryAfterMs, 7_000);
      assert.equal(error.retryAfterSource, 'Retry-After');
    });

    if (contract.rateLimitHeaders) {
      const { headers, source } = contract.rateLimitHeaders;
      it(`accepts a success carrying the rate-limit headers it always sends (${source})`, async () => {
        fake.script({ ...contract.success.response, headers: { ...contract.success.response.headers, ...headers } });
        const delivered = await provider.send(contract.message(), context());
        assert.equal(delivered.messageId, contract.success.messageId);
      });

      it('treats a 5xx carrying those rate-limit headers as retryable with no wait: a reset header is not a Retry-After', async () => {
        fake.script(contract.error(500, 'internal error', headers));
        const error = await sendFailing(provider, contract.message());
        assert.equal(error.kind, 'retryable');
        assert.equal(error.retryAfterMs, undefined);
      });
    }

    for (const status of [500, 503]) {
      it(`is retryable when the provider answers ${status}`, async () => {
        fake.script(contract.error(status, 'service unavailable, try later'));
        const before = fake.requests.length;
        const error = await sendFailing(provider, contract.message());
        assert.equal(error.kind, 'retryable');
        assert.equal(fake.requests.length, before + 1, 'no retries inside the provider: delivery decides');
      });
    }

    for (const special of [...(contract.cases ?? []), ...(contract.documented ?? [])]) {
      const where = 'source' in special ? ` (documented: ${String(special.source)})` : '';
      it(`fails as ${special.kind}${special.recipient ? ', about the recipient,' : ''} when ${special.name}${where}`, async () => {
        fake.script(special.response);
        const error = await sendFailing(provider, contract.message());
        assert.equal(error.kind, special.kind);
        if (special.text) assert.match(error.message, special.text);
        assert.equal(error.recipient, special.recipient ?? false, 'about the recipient?');
        if (special.providerCode) assert.equal(error.providerCode, special.providerCode);
        if (special.retryAfterSource) {
          assert.equal(error.retryAfterSource, special.retryAfterSource);
          assert.ok((error.retryAfterMs ?? -1) >= 0, 'a wait');
        }
        if (special.retryAfterMs !== undefined) assert.equal(error.retryAfterMs, special.retryAfterMs);
      });
    }

    it('is retryable when the connection is refused', async () => {
      const unreachable = contract.create(await refusedUrl());
      const error = await sendFailing(unreachable, contract.message());
      assert.equal(error.kind, 'retryable');
      await unreachable.close?.();
    });

    it('is unknown (the provider may have it), and returns promptly, when the attempt times out after the request was sent', async () => {
      fake.script({ ...contract.success.response, delayMs: 5_000 });
      const before = fake.requests.length;
      const started = Date.now();
      const error = await sendFailing(provider, contract.message(), context(300));
      assert.equal(error.kind, 'unknown');
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      assert.equal(fake.requests.length, before + 1, 'the request did arrive');
    });

    if (!contract.sdkTransport) {
      it('is retryable when the attempt times out before a connection existed (TLS handshake never completed)', async () => {
        const silent = await silentTlsUrl();
        const unreachable = contract.create(silent.url);
        try {
          const error = await sendFailing(unreachable, contract.message(), context(300));
          assert.equal(error.kind, 'retryable');
        } finally {
          await unreachable.close?.();
          await silent.close();
        }
      });
    }
  });
}
