/**
 * The SECRET_HASH endpoint's refusals and forwarding, against a loopback HTTP server standing in
 * for Cognito (the happy path against cognito-local is in test/e2e/links.browser.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSecretHashHandler, secretHashOptionsFromEnv, type FunctionUrlEvent } from '../../src/landing/secret-hash.ts';

const ORIGIN = 'https://acme.example';
const SECRET = 'super-secret-client-secret';

describe('SECRET_HASH endpoint', () => {
  const received: { target: string; body: Record<string, unknown> }[] = [];
  let cognitoUrl = '';
  let server: ReturnType<typeof createServer>;

  before(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      received.push({ target: String(request.headers['x-amz-target']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'CodeMismatchException' }).end('{"__type":"CodeMismatchException","message":"Invalid code"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cognitoUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const handler = () => createSecretHashHandler({ clientSecrets: { client1: SECRET }, allowedOrigin: ORIGIN, cognitoEndpoint: cognitoUrl });
  const post = (target: string, body: unknown, headers: Record<string, string> = {}): FunctionUrlEvent => ({
    requestContext: { http: { method: 'POST' } },
    headers: { origin: ORIGIN, 'x-amz-target': `AWSCognitoIdentityProviderService.${target}`, ...headers },
    body: JSON.stringify(body),
  });

  it('answers the CORS preflight for the landing origin only', async () => {
    const preflight = await handler()({ requestContext: { http: { method: 'OPTIONS' } }, headers: { origin: ORIGIN } });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], ORIGIN);
    assert.match(preflight.headers['access-control-allow-headers'] ?? '', /x-amz-target/);
    const foreign = await handler()(post('ConfirmSignUp', { ClientId: 'client1', Username: 'ada' }, { origin: 'https://evil.example' }));
    assert.equal(foreign.statusCode, 403);
  });

  it('forwards only the four link operations, each with its SECRET_HASH replacing any the caller sent; Cognito errors pass through', async () => {
    received.length = 0;
    const answer = await handler()(post('ConfirmSignUp', { ClientId: 'client1', Username: 'ada', ConfirmationCode: '123456', SecretHash: 'forged' }));
    const signIn = await handler()(post('InitiateAuth', { ClientId: 'client1', AuthFlow: 'USER_PASSWORD_AUTH' }));
    assert.equal(answer.statusCode, 400);
    assert.equal(JSON.parse(answer.body).__type, 'CodeMismatchException');
    assert.equal(answer.headers['x-amzn-errortype'], 'CodeMismatchException');
    assert.equal(signIn.statusCode, 400);
    assert.match(JSON.parse(signIn.body).message, /x-amz-target must be one of/);
    assert.equal(received.length, 1, 'InitiateAuth never reached Cognito');
    assert.equal(received[0]?.target, 'AWSCognitoIdentityProviderService.ConfirmSignUp');
    assert.notEqual(received[0]?.body.SecretHash, 'forged');
    assert.match(String(received[0]?.body.SecretHash), /^[A-Za-z0-9+/]{43}=$/);
  });

  it('refuses unknown clients and malformed bodies before any call, and never echoes the secret', async () => {
    received.length = 0;
    const answers = await Promise.all([
      handler()(post('ForgotPassword', { ClientId: 'other', Username: 'ada' })),
      handler()(post('ForgotPassword', { ClientId: 'client1' })),
      handler()({ ...post('ForgotPassword', {}), body: '[1,2]' }),
      handler()({ ...post('ForgotPassword', {}), body: 'x'.repeat(20_000) }),
      handler()({ requestContext: { http: { method: 'GET' } }, headers: {} }),
    ]);
    assert.deepEqual(answers.map((a) => a.statusCode), [400, 400, 400, 413, 405]);
    assert.deepEqual(answers.map((a) => JSON.parse(a.body).message), [
      'this endpoint does not serve that app client',
      'Username is required',
      'the body must be a JSON object',
      'the body is larger than 16384 bytes',
      'only POST is accepted',
    ]);
    assert.equal(received.length, 0);
    assert.ok(answers.every((a) => !a.body.includes(SECRET)));
  });

  it('reads its settings from the environment, naming every problem without the values', () => {
    assert.throws(
      () => secretHashOptionsFromEnv({ CLIENT_SECRETS: `{"client1": 42, "leak": "${SECRET}"}`, ALLOWED_ORIGIN: 'https://acme.example/page' }),
      (error: Error) =>
        /CLIENT_SECRETS must be a JSON object/.test(error.message) &&
        /ALLOWED_ORIGIN must be the landing page origin/.test(error.message) &&
        /COGNITO_ENDPOINT or AWS_REGION is required/.test(error.message) &&
        !error.message.includes(SECRET),
    );
    const options = secretHashOptionsFromEnv({ CLIENT_SECRETS: `{"client1":"${SECRET}"}`, ALLOWED_ORIGIN: ORIGIN, AWS_REGION: 'eu-west-1' });
    assert.equal(options.cognitoEndpoint, 'https://cognito-idp.eu-west-1.amazonaws.com/');
  });
});
