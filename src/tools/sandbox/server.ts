/**
 * The sandbox's web server: a Hono app on @hono/node-server serving the static UI from `ui/`, a
 * small JSON API validated with valibot, and server-sent events so open pages refresh when an
 * invocation finishes or a template changes.
 *
 *   GET  /                      inbox          GET  /gallery            template gallery
 *   GET  /api/state             sandbox info   POST /api/invoke         fire a trigger
 *   GET  /api/invocations       history        GET  /api/messages       mail from elsewhere
 *   GET  /api/gallery           renders        GET  /api/emails/:id/raw the message as received
 *   POST /api/clear             empty inbox    POST /api/restart        next call is a cold start
 *   POST /api/cognito-local/sign-up   SignUp through cognito-local (started at first use)
 *   POST /api/cognito-local/confirm   ConfirmSignUp with the delivered code
 *   POST /api/cognito-local/status    the user's UserStatus in cognito-local
 *   GET  /api/events            SSE: invocation, message, templates, bundle, cleared, cognito-local
 *   GET  /landing/…             the verification landing page the emails' links open (config.json
 *                               points at cognito-local, started at the first request for it)
 *
 * Only its user may drive it. On a loopback address (the default), requests must come from this
 * machine and name a loopback Host (no DNS rebinding). Bound anywhere else (`--host 0.0.0.0`),
 * every request must carry the random access token printed at start (the printed links carry it;
 * the page then keeps it in a same-site cookie), in every mode. POSTs must be same-origin JSON
 * either way (a web page elsewhere cannot make the relay send mail). The landing page follows the
 * same rules; off loopback its address carries the token in the path (`/landing/<token>/`), since
 * the page fetches its config.json without cookies.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import * as v from 'valibot';
import { RelayError } from '../../runtime/errors.ts';
import type { Gallery } from './gallery.ts';
import { listenOrExplain } from '../local/listen.ts';
import type { FireRequest } from '../local/scenario.ts';
import type { Sandbox } from './sandbox.ts';
import { createLandingFetchHandler, type LandingConfig } from '../../landing/serve.ts';

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));
const MAX_BODY_BYTES = 256 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
// Emails are shown in sandboxed srcdoc frames, which inherit this policy: their inline styles
// and remote images (logos) load as a mail client would; scripts never run.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: https: http:",
  "font-src 'self' data: https:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
  return bare === 'localhost' || bare === '::1' || /^127(?:\.\d{1,3}){3}$/.test(bare);
}

export interface SandboxServer {
  /** The UI's address; when a token is required, the link carries it (`/?token=…`). */
  url: string;
  /** The base address without the token, for API clients that send the token themselves. */
  origin: string;
  /** The access token, when the server is bound to a non-loopback address. */
  token: string | undefined;
  /**
   * The landing page's address (`LINK_BASE_URL`), e.g. `http://127.0.0.1:4580/landing/`; absent
   * when bound to a non-loopback address other than 0.0.0.0 / ::, which links cannot use over http.
   */
  landingUrl: string | undefined;
  broadcast(event: string, data: unknown): void;
  close(): Promise<void>;
}

export interface SandboxServerOptions {
  sandbox: Sandbox;
  gallery: Gallery;
  port: number;
  host: string;
  rawEmail(id: number): string | undefined;
  /** The access token to require off loopback. Default: 24 random bytes, base64url. */
  token?: string;
  /** config.json of the landing page under /landing/ (read at each request). */
  landingConfig?: LandingConfig;
}

const stringRecord = (field: string) =>
  v.nullish(
    v.record(
      v.string(),
      v.string(`${field} values must be strings`),
      `${field} must be an object of strings`,
    ),
  );
const optionalString = (field: string) => v.nullish(v.string(`${field} must be a string`));

/** The body of `POST /api/invoke`: one simulated Cognito call. */
export const FireRequestSchema = v.object(
  {
    triggerSource: v.pipe(v.string('triggerSource is required'), v.nonEmpty('triggerSource is required')),
    userName: optionalString('userName'),
    attributes: stringRecord('attributes'),
    riskAttributes: stringRecord('riskAttributes'),
    clientMetadata: stringRecord('clientMetadata'),
    code: optionalString('code'),
    profile: optionalString('profile'),
  },
  // Valibot reports a missing key with the object's message; triggerSource is the only required one.
  'triggerSource is required',
);

/** Validates a fire request; throws a 400 naming the field. */
export function parseFireRequest(body: unknown): FireRequest & { profile?: string | undefined } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HTTPException(400, { message: 'send a JSON object' });
  const result = v.safeParse(FireRequestSchema, body);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    const message = path && !issue.message.startsWith(path.split('.')[0]!) ? `${path}: ${issue.message}` : issue.message;
    throw new HTTPException(400, { message });
  }
  const { triggerSource, userName, attributes, riskAttributes, clientMetadata, code, profile } = result.output;
  return {
    triggerSource,
    userName: userName ?? undefined,
    attributes: attributes ?? undefined,
    riskAttributes: riskAttributes ?? undefined,
    clientMetadata: clientMetadata ?? undefined,
    code: code ?? undefined,
    ...(profile ? { profile } : {}),
  };
}

const emailField = v.pipe(v.string('email is required'), v.trim(), v.nonEmpty('email is required'), v.email('email must be an email address'));

/** The body of `POST /api/cognito-local/sign-up`. */
export const CognitoLocalSignUpSchema = v.object(
  { email: emailField, password: v.pipe(v.string('password is required'), v.nonEmpty('password is required')) },
  'email and password are required',
);

/** The body of `POST /api/cognito-local/confirm`. */
export const CognitoLocalConfirmSchema = v.object(
  { email: emailField, code: v.pipe(v.string('code is required'), v.trim(), v.nonEmpty('code is required')) },
  'email and code are required',
);

/** The body of `POST /api/cognito-local/status`. */
const CognitoLocalStatusSchema = v.object({ email: emailField }, 'email is required');

/** Validates `body` against `schema`; throws a 400 naming the first bad field. */
function parseBody<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HTTPException(400, { message: 'send a JSON object' });
  const result = v.safeParse(schema, body);
  if (!result.success) throw new HTTPException(400, { message: result.issues[0].message });
  return result.output;
}

/**
 * A refusal from cognito-local (a Cognito error: `CodeMismatchException`, `UsernameExistsException`…)
 * is the user's to fix: 400 with Cognito's name and message. Anything else is the sandbox's: 500.
 */
function cognitoRefusal(error: unknown): never {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) throw new HTTPException(400, { message: `cognito-local refused: ${e.name}: ${e.message}` });
  throw error;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

type Env = { Bindings: HttpBindings };

async function readJson(c: Context<Env>): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) throw new HTTPException(415, { message: 'send the request as application/json' });
  const text = await c.req.text();
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new HTTPException(400, { message: 'the request body is not JSON' });
  }
}

export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const { sandbox, gallery } = options;
  const assets = new Map<string, string>(readdirSync(UI_DIR).map((name) => [`/${name}`, join(UI_DIR, name)]));
  const pages: Record<string, string> = { '/': '/index.html', '/gallery': '/gallery.html' };
  const streams = new Set<SSEStreamingApi>();
  const loopbackOnly = isLoopbackAddress(options.host);
  const token = loopbackOnly ? undefined : (options.token ?? randomBytes(24).toString('base64url'));
  let port = options.port;
  const cookieName = () => `cognito_relay_sandbox_${port}`;

  const broadcast = (event: string, data: unknown) => {
    for (const stream of streams) void stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => streams.delete(stream));
  };

  /** Who may talk to the sandbox: see the module comment. */
  const guard: MiddlewareHandler<Env> = async (c, next) => {
    if (token === undefined) {
      const peer = c.env.incoming.socket.remoteAddress ?? '';
      if (!isLoopbackAddress(peer)) throw new HTTPException(403, { message: 'the sandbox answers this machine only' });
      const host = c.req.header('host') ?? '';
      const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
      if (!LOOPBACK_HOSTS.has(name)) throw new HTTPException(403, { message: `the sandbox answers requests for localhost only, not ${host}` });
    } else {
      const fromQuery = c.req.query('token');
      const bearer = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      // The landing page fetches config.json without cookies: its address carries the token.
      const fromPath = c.req.path.startsWith('/landing/') ? c.req.path.split('/')[2] : undefined;
      const given = fromQuery ?? bearer ?? fromPath ?? getCookie(c, cookieName());
      if (!sameToken(given, token)) {
        throw new HTTPException(401, { message: 'this sandbox needs its access token: open the link it printed at start (…/?token=…)' });
      }
      if (fromQuery !== undefined && c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
        // Keep the token out of the address bar and history: a same-site cookie carries it on.
        setCookie(c, cookieName(), token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        const clean = new URL(c.req.url);
        clean.searchParams.delete('token');
        return c.redirect(`${clean.pathname}${clean.search}`, 303);
      }
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      // Sandboxed iframes send `Origin: null`: refused like any other foreign origin.
      if (origin && (origin === 'null' || !URL.canParse(origin) || new URL(origin).host !== c.req.header('host'))) {
        throw new HTTPException(403, { message: 'cross-origin requests are refused' });
      }
    }
    await next();
  };

  const app = new Hono<Env>();
  app.use('*', guard);
  app.use('/api/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'request body too large' }, 413) }), async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  app.get('/api/state', (c) => c.json(sandbox.info()));
  app.get('/api/invocations', (c) => c.json({ invocations: sandbox.invocations() }));
  app.get('/api/messages', (c) => c.json({ messages: sandbox.looseMessages() }));
  app.get('/api/gallery', (c) => c.json(gallery.render()));
  app.get('/api/emails/:id{[0-9]+}/raw', (c) => {
    const id = c.req.param('id');
    const text = options.rawEmail(Number(id));
    if (text === undefined) throw new HTTPException(404, { message: 'no such email' });
    return c.body(text, 200, { 'content-type': 'message/rfc822', 'content-disposition': `attachment; filename="sandbox-${id}.eml"` });
  });
  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      streams.add(stream);
      await stream.write(': connected\n\n');
      await new Promise<void>((resolve) => {
        const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 15_000);
        stream.onAbort(() => {
          clearInterval(keepAlive);
          streams.delete(stream);
          resolve();
        });
      });
    }),
  );
  app.post('/api/invoke', async (c) => {
    const fireRequest = parseFireRequest(await readJson(c));
    try {
      return c.json(await sandbox.fire(fireRequest));
    } catch (error) {
      if (error instanceof RelayError && (error.code === 'UNKNOWN_TRIGGER' || error.code === 'UNKNOWN_PROFILE')) throw new HTTPException(400, { message: error.message });
      throw error;
    }
  });
  app.post('/api/cognito-local/sign-up', async (c) => {
    const body = parseBody(CognitoLocalSignUpSchema, await readJson(c));
    return c.json(await sandbox.cognitoLocal.signUp(body).catch(cognitoRefusal));
  });
  app.post('/api/cognito-local/confirm', async (c) => {
    const body = parseBody(CognitoLocalConfirmSchema, await readJson(c));
    return c.json(await sandbox.cognitoLocal.confirm(body).catch(cognitoRefusal));
  });
  app.post('/api/clear', async (c) => {
    await readJson(c);
    sandbox.clear();
    return c.json({ ok: true });
  });
  app.post('/api/restart', async (c) => {
    await readJson(c);
    await sandbox.restartFunction();
    broadcast('restarted', {});
    return c.json({ ok: true });
  });
  app.post('/api/cognito-local/status', async (c) => {
    const body = parseBody(CognitoLocalStatusSchema, await readJson(c));
    return c.json(await sandbox.cognitoLocal.status(body).catch(cognitoRefusal));
  });
  app.all('/api/*', (c) => {
    throw new HTTPException(404, { message: `no route ${c.req.method} ${c.req.path}` });
  });
  const landingBase = token ? `/landing/${token}/` : '/landing/';
  const landingConfig = options.landingConfig ?? {};
  const landing = createLandingFetchHandler({ config: landingConfig, basePath: landingBase });
  app.get(`${landingBase}config.json`, async (c) => {
    // Codes are checked by cognito-local. Without an endpoint the page would send them to AWS:
    // when cognito-local cannot start (not installed), it gets one here that refuses (404).
    if (!landingConfig.cognitoEndpoint) {
      const started = await sandbox.cognitoLocal.start().then(
        () => true,
        () => false,
      );
      if (!started) return c.json({ ...landingConfig, cognitoEndpoint: `${new URL(c.req.url).origin}${landingBase}cognito-local-is-not-running/` }, 200, { 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' });
    }
    return landing(c.req.raw) ?? c.notFound();
  });
  app.get('/landing/*', (c) => {
    const answer = landing(c.req.raw);
    if (!answer) throw new HTTPException(404, { message: `no page ${c.req.path}` });
    return answer;
  });
  app.get('*', (c) => {
    const file = assets.get(pages[c.req.path] ?? c.req.path);
    if (!file) throw new HTTPException(404, { message: `no page ${c.req.path}` });
    return c.body(readFileSync(file), 200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // The UI is edited with the sandbox running; never serve a stale copy.
      'cache-control': 'no-cache',
    });
  });
  app.onError((error, c) => {
    const status = error instanceof HTTPException ? error.status : 500;
    // A person opening a page gets a sentence; the page's scripts get JSON.
    if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) return c.text(`${error.message}\n`, status, { 'cache-control': 'no-store' });
    return c.json({ error: error.message }, status, { 'cache-control': 'no-store' });
  });

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await listenOrExplain(server, { port, host: options.host, what: 'sandbox web UI', flag: '--port (or SANDBOX_PORT)' });
  port = (server.address() as AddressInfo).port;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `http://${urlHost}:${port}`;
  const landingUrl = isLoopbackAddress(urlHost) ? `${origin}${landingBase}` : undefined;

  return {
    url: token ? `${origin}/?token=${token}` : origin,
    origin,
    token,
    landingUrl,
    broadcast,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) void stream.close().catch(() => undefined);
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
