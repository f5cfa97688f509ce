/**
 * The landing page's server side, for app clients that have a secret: a Lambda function URL
 * handler that forwards the page's four unauthenticated Cognito calls (ConfirmSignUp,
 * ConfirmForgotPassword, ResendConfirmationCode, ForgotPassword) with the SECRET_HASH Cognito
 * demands, so the client secret never reaches the browser.
 *
 * It forwards rather than hands out hashes: a hash would let anyone call any operation (sign-in
 * included) for that user as the app client; forwarding allows only these four, each of which
 * already needs the code from the email (or only sends one). Its own deployment, its own small
 * bundle: nothing here enters the relay's Lambda.
 *
 * Settings (environment):
 *   CLIENT_SECRETS    JSON `{ "<app client id>": "<client secret>" }` (required). Keep it in an
 *                     encrypted environment variable or resolve it from Secrets Manager at deploy.
 *   ALLOWED_ORIGIN    the landing page's origin, e.g. `https://acme.example` (CORS; required).
 *   COGNITO_ENDPOINT  default `https://cognito-idp.<AWS_REGION>.amazonaws.com/`.
 *
 * SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username + client id)), as
 * Cognito's documentation defines it ("Computing secret hash values").
 */
import { createHmac } from 'node:crypto';

export const FORWARDED_OPERATIONS = ['ConfirmSignUp', 'ConfirmForgotPassword', 'ResendConfirmationCode', 'ForgotPassword'] as const;

/** The part of a Lambda function URL event (payload format 2.0) this handler reads. */
export interface FunctionUrlEvent {
  requestContext?: { http?: { method?: string } };
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface SecretHashOptions {
  clientSecrets: Readonly<Record<string, string>>;
  allowedOrigin: string;
  cognitoEndpoint: string;
  fetch?: typeof fetch;
}

/** @example secretHash('ada@example.com', '1example23456789', 'the client secret') */
export function secretHash(username: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

const MAX_BODY = 16 * 1024;

export function createSecretHashHandler(options: SecretHashOptions): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  const send = options.fetch ?? fetch;
  const cors = {
    'access-control-allow-origin': options.allowedOrigin,
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'content-type, x-amz-target',
    'access-control-max-age': '600',
    vary: 'origin',
  };
  // Errors in Cognito's own shape, so the page handles them like Cognito's.
  const refuse = (statusCode: number, type: string, message: string): FunctionUrlResult => ({
    statusCode,
    headers: { ...cors, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  });

  return async (event) => {
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value ?? '']));
    const method = (event.requestContext?.http?.method ?? 'POST').toUpperCase();
    if (method === 'OPTIONS') return { statusCode: 204, headers: cors, body: '' };
    if (method !== 'POST') return refuse(405, 'InvalidParameterException', 'only POST is accepted');
    if (headers.origin && headers.origin !== options.allowedOrigin) return refuse(403, 'NotAuthorizedException', 'this origin may not use the endpoint');

    const target = headers['x-amz-target'] ?? '';
    const operation = target.startsWith('AWSCognitoIdentityProviderService.') ? target.slice('AWSCognitoIdentityProviderService.'.length) : '';
    if (!(FORWARDED_OPERATIONS as readonly string[]).includes(operation)) {
      return refuse(400, 'InvalidParameterException', `x-amz-target must be one of ${FORWARDED_OPERATIONS.map((name) => `AWSCognitoIdentityProviderService.${name}`).join(', ')}`);
    }
    const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    if (raw.length > MAX_BODY) return refuse(413, 'InvalidParameterException', `the body is larger than ${MAX_BODY} bytes`);
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return refuse(400, 'InvalidParameterException', 'the body must be a JSON object');
    }
    const { ClientId: clientId, Username: username } = body;
    if (typeof clientId !== 'string' || !clientId) return refuse(400, 'InvalidParameterException', 'ClientId is required');
    if (typeof username !== 'string' || !username) return refuse(400, 'InvalidParameterException', 'Username is required');
    const clientSecret = Object.hasOwn(options.clientSecrets, clientId) ? options.clientSecrets[clientId] : undefined;
    if (!clientSecret) return refuse(400, 'ResourceNotFoundException', 'this endpoint does not serve that app client');

    let answer: Response;
    try {
      answer = await send(options.cognitoEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
        // Whatever SecretHash the caller sent is replaced.
        body: JSON.stringify({ ...body, SecretHash: secretHash(username, clientId, clientSecret) }),
        signal: AbortSignal.timeout(8000),
      });
    } catch {
      return refuse(502, 'InternalErrorException', 'Cognito did not answer');
    }
    const errorType = answer.headers.get('x-amzn-errortype');
    return {
      statusCode: answer.status,
      headers: { ...cors, 'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
      body: await answer.text(),
    };
  };
}

/** Reads the settings; throws one error naming every missing or malformed one. */
export function secretHashOptionsFromEnv(env: Record<string, string | undefined>): SecretHashOptions {
  const problems: string[] = [];
  let clientSecrets: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(env.CLIENT_SECRETS ?? '');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((value) => typeof value === 'string' && value)) {
      throw new Error('shape');
    }
    clientSecrets = parsed as Record<string, string>;
  } catch {
    // Never echo the value: it holds secrets.
    problems.push('CLIENT_SECRETS must be a JSON object { "<app client id>": "<client secret>" }');
  }
  const allowedOrigin = env.ALLOWED_ORIGIN ?? '';
  if (!/^https:\/\/[^/]+$|^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(allowedOrigin)) {
    problems.push('ALLOWED_ORIGIN must be the landing page origin, e.g. https://acme.example (no path)');
  }
  const cognitoEndpoint = env.COGNITO_ENDPOINT || (env.AWS_REGION ? `https://cognito-idp.${env.AWS_REGION}.amazonaws.com/` : '');
  if (!cognitoEndpoint) problems.push('COGNITO_ENDPOINT or AWS_REGION is required');
  if (problems.length > 0) throw new Error(`secret-hash endpoint settings: ${problems.join('; ')}`);
  return { clientSecrets, allowedOrigin, cognitoEndpoint };
}

let configured: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;

/** The Lambda entry (function URL, auth type NONE). */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  configured ??= createSecretHashHandler(secretHashOptionsFromEnv(process.env));
  return configured(event);
}
