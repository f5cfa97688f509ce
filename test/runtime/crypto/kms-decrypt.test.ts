import { after, afterEach, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { createKmsDecryptClient, regionalEndpoint, type KmsDecryptRequest } from '../../../src/runtime/crypto/kms-decrypt.ts';
import { startTestKms, type KmsStandIn } from '../../support/kms.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLE' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REQUEST: KmsDecryptRequest = {
  KeyId: KEY_ARN,
  CiphertextBlob: new Uint8Array(Array.from({ length: 184 }, (_, i) => (i * 53 + 7) % 256)),
  EncryptionContext: { 'userpool-id': 'eu-west-1_AbCdEf123', 'aws-crypto-public-key': 'A1b2+/=' },
  GrantTokens: undefined,
};
const ANSWER = JSON.stringify({ KeyId: KEY_ARN, Plaintext: Buffer.alloc(32, 7).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });

interface Captured {
  method: string;
  protocol: string;
  hostname: string;
  port: number | undefined;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A request handler that records the signed request and answers `answer` without any network. */
function recorder(answer = ANSWER) {
  const requests: Captured[] = [];
  return {
    requests,
    handle: async (request: HttpRequest) => {
      requests.push({
        method: request.method,
        protocol: request.protocol,
        hostname: request.hostname,
        port: request.port,
        path: request.path,
        headers: { ...request.headers },
        body: typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8'),
      });
      return { response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(answer)]) }) };
    },
  };
}

/**
 * `KMSClient` without the headers that describe the SDK rather than the request (user agent,
 * retry bookkeeping: `amz-sdk-invocation-id`, `amz-sdk-request`), which the lean client does not send.
 */
function sdkClient(handler: ReturnType<typeof recorder>, extra: Record<string, unknown> = {}): KMSClient {
  const client = new KMSClient({ region: 'eu-west-1', credentials: CREDENTIALS, requestHandler: handler as never, ...extra });
  client.middlewareStack.remove('getUserAgentMiddleware');
  client.middlewareStack.addRelativeTo(
    ((next: (args: { request: HttpRequest }) => Promise<unknown>) => async (args: { request: HttpRequest }) => {
      delete args.request.headers['amz-sdk-invocation-id'];
      delete args.request.headers['amz-sdk-request'];
      return next(args);
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'dropSdkBookkeepingHeaders' },
  );
  return client;
}

describe('createKmsDecryptClient: the request KMSClient would send', () => {
  afterEach(() => mock.timers.reset());

  it('sends the same bytes as KMSClient, signature included, for the same input, time and credentials', async () => {
    // Prepare: a fixed clock for both signers
    mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 1, 3, 4, 5, 6) });
    const ours = recorder();
    const theirs = recorder();
    const lean = createKmsDecryptClient({ region: 'eu-west-1', credentials: CREDENTIALS, requestHandler: ours, maxAttempts: 1, endpoint: 'https://kms.eu-west-1.amazonaws.com' });

    // Act
    const leanAnswer = await lean.decrypt(REQUEST);
    const sdkAnswer = await sdkClient(theirs).send(new DecryptCommand(REQUEST as never));

    // Assess
    assert.equal(ours.requests.length, 1);
    assert.deepEqual(ours.requests[0], theirs.requests[0]);
    assert.match(ours.requests[0]!.headers['authorization']!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260203\/eu-west-1\/kms\/aws4_request, SignedHeaders=.*x-amz-security-token.*, Signature=[0-9a-f]{64}$/);
    assert.deepEqual({ ...leanAnswer }, { KeyId: sdkAnswer.KeyId, Plaintext: sdkAnswer.Plaintext, EncryptionAlgorithm: sdkAnswer.EncryptionAlgorithm });
  });

  it('signs a request to a configured endpoint with a port, path and grant tokens as KMSClient does', async () => {
    // Prepare
    mock.timers.enable({ apis: ['Date'], now: Date.UTC(2027, 11, 31, 23, 59, 59) });
    const ours = recorder();
    const theirs = recorder();
    const endpoint = 'http://127.0.0.1:4599/kms-proxy';
    const request = { ...REQUEST, GrantTokens: ['grant-a', 'grant-b'], EncryptionContext: {} };
    const lean = createKmsDecryptClient({ region: 'eu-west-1', credentials: { ...CREDENTIALS, sessionToken: undefined }, requestHandler: ours, maxAttempts: 1, endpoint });

    // Act
    await lean.decrypt(request);
    await sdkClient(theirs, { endpoint, credentials: { ...CREDENTIALS, sessionToken: undefined } }).send(new DecryptCommand(request as never));

    // Assess
    assert.deepEqual(ours.requests[0], theirs.requests[0]);
  });

  it('takes credentials from the SDK default chain (environment variables, as on Lambda)', async () => {
    // Prepare
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY, token: process.env.AWS_SESSION_TOKEN };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-environment';
    process.env.AWS_SESSION_TOKEN = 'token-from-environment';
    const ours = recorder();

    try {
      // Act
      await createKmsDecryptClient({ region: 'eu-west-1', requestHandler: ours, endpoint: 'https://kms.eu-west-1.amazonaws.com' }).decrypt(REQUEST);
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: saved.id, AWS_SECRET_ACCESS_KEY: saved.secret, AWS_SESSION_TOKEN: saved.token });
    }

    // Assess
    assert.match(ours.requests[0]!.headers['authorization']!, /Credential=AKIDFROMENVIRONMENT\//);
    assert.equal(ours.requests[0]!.headers['x-amz-security-token'], 'token-from-environment');
  });

  it('uses the regional endpoint KMSClient resolves, per partition, FIPS and dual-stack setting', async () => {
    const saved = { fips: process.env.AWS_USE_FIPS_ENDPOINT, dual: process.env.AWS_USE_DUALSTACK_ENDPOINT };
    try {
      for (const region of ['eu-west-1', 'us-east-1', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'ap-southeast-5']) {
        for (const fips of [false, true]) {
          for (const dualStack of [false, true]) {
            // Prepare
            process.env.AWS_USE_FIPS_ENDPOINT = String(fips);
            process.env.AWS_USE_DUALSTACK_ENDPOINT = String(dualStack);
            const theirs = recorder();
            const client = new KMSClient({ region, credentials: CREDENTIALS, requestHandler: theirs as never, useFipsEndpoint: fips, useDualstackEndpoint: dualStack });

            // Act
            const ours = await regionalEndpoint(region);
            await client.send(new DecryptCommand(REQUEST as never));

            // Assess
            const sent = theirs.requests[0]!;
            assert.equal(ours, `${sent.protocol}//${sent.hostname}`, `${region} fips=${fips} dual-stack=${dualStack}`);
          }
        }
      }
    } finally {
      if (saved.fips === undefined) delete process.env.AWS_USE_FIPS_ENDPOINT;
      else process.env.AWS_USE_FIPS_ENDPOINT = saved.fips;
      if (saved.dual === undefined) delete process.env.AWS_USE_DUALSTACK_ENDPOINT;
      else process.env.AWS_USE_DUALSTACK_ENDPOINT = saved.dual;
    }
  });
});

/** A loopback server answering KMS requests from a script: one `[status, body, headers?]` per request, the last repeated. */
async function scriptedKms(script: Array<[number, string, Record<string, string>?]>) {
  let served = 0;
  const server: Server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      const [status, body, headers] = script[Math.min(served, script.length - 1)]!;
      served += 1;
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get served() {
      return served;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('createKmsDecryptClient: errors and retries as KMSClient', () => {
  // sameName false: for a body that is not JSON the SDK reports its own parse failure ("SyntaxError");
  // ours names the service failure. Both are retried alike and map to KMS_UNAVAILABLE.
  const cases: Array<{ name: string; script: Array<[number, string, Record<string, string>?]>; sameName?: false }> = [
    { name: 'access denied (not retried)', script: [[400, '{"__type":"AccessDeniedException","message":"User is not authorized to perform: kms:Decrypt"}']] },
    { name: 'disabled key, namespaced type', script: [[400, '{"__type":"com.amazonaws.kms#DisabledException","message":"key is disabled"}']] },
    { name: 'error type in the header only', script: [[400, '{"message":"bad"}', { 'x-amzn-errortype': 'InvalidCiphertextException:http://internal.amazon.com/' }]] },
    { name: 'throttled twice, then answered', script: [[400, '{"__type":"ThrottlingException","message":"Rate exceeded"}'], [400, '{"__type":"ThrottlingException","message":"Rate exceeded"}'], [200, ANSWER]] },
    { name: 'KMS 500 then answered', script: [[500, '{"__type":"KMSInternalException","message":"internal"}'], [200, ANSWER]] },
    { name: 'always 503', script: [[503, '{"__type":"ServiceUnavailableException","message":"try later"}']] },
    { name: 'a 502 with a non-JSON body', script: [[502, '<html>Bad gateway</html>']], sameName: false },
  ];

  for (const { name, script, sameName } of cases) {
    it(`${name}: same outcome, error name and number of requests`, async () => {
      // Prepare
      const forLean = await scriptedKms(script);
      const forSdk = await scriptedKms(script);
      const lean = createKmsDecryptClient({ region: 'eu-west-1', credentials: CREDENTIALS, endpoint: forLean.url });
      const sdk = new KMSClient({ region: 'eu-west-1', credentials: CREDENTIALS, endpoint: forSdk.url });

      try {
        // Act
        const outcome = (promise: Promise<{ KeyId?: string | undefined }>) =>
          promise.then(
            (answer) => ({ ok: true, keyId: answer.KeyId }),
            (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({ ok: false, name: error.name, status: error.$metadata?.httpStatusCode }),
          );
        const ours = await outcome(lean.decrypt(REQUEST));
        const theirs = await outcome(sdk.send(new DecryptCommand(REQUEST as never)));

        // Assess
        if (sameName === false) assert.deepEqual({ ...ours, name: undefined }, { ...theirs, name: undefined });
        else assert.deepEqual(ours, theirs);
        assert.equal(forLean.served, forSdk.served, 'same number of attempts');
      } finally {
        lean.destroy();
        sdk.destroy();
        await Promise.all([forLean.close(), forSdk.close()]);
      }
    });
  }
});

describe('createKmsDecryptClient against the KMS stand-in', () => {
  let kms: KmsStandIn;
  before(async () => {
    kms = await startTestKms();
  });
  after(() => kms.close());

  it('decrypts what KMS encrypted and reports what KMS refuses under its exception name', async () => {
    // Prepare: the stand-in's Encrypt through the official client
    const keyArn = kms.createKey();
    const sdk = new KMSClient({ region: kms.region, endpoint: kms.url });
    const { EncryptCommand } = await import('@aws-sdk/client-kms');
    const encrypted = await sdk.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('data key bytes'), EncryptionContext: { a: 'b' } }));
    sdk.destroy();
    const lean = createKmsDecryptClient({ region: kms.region, endpoint: kms.url });

    try {
      // Act
      const answer = await lean.decrypt({ KeyId: keyArn, CiphertextBlob: encrypted.CiphertextBlob!, EncryptionContext: { a: 'b' } });
      const refused = await lean.decrypt({ KeyId: keyArn, CiphertextBlob: encrypted.CiphertextBlob!, EncryptionContext: { a: 'c' } }).catch((error: Error) => error);

      // Assess
      assert.equal(answer.KeyId, keyArn);
      assert.equal(Buffer.from(answer.Plaintext!).toString(), 'data key bytes');
      assert.ok(refused instanceof Error);
      assert.equal(refused.name, 'InvalidCiphertextException');
    } finally {
      lean.destroy();
    }
  });
});
