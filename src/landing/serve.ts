/**
 * Serves the landing page's static files (index.html, landing.js, messages.js, landing.css) and a
 * config.json made from `config`, for the sandbox and the browser tests. In production any static
 * host serves the same files (copy `src/landing/`, write your own config.json).
 *
 * @example
 * const landing = await startLandingServer({ config: { cognitoEndpoint: cognito.url } });
 * // relay env: LINK_BASE_URL = landing.url
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** config.json: where the page sends its calls, the app to deep-link into, the password policy. */
export interface LandingConfig {
  /** Cognito's endpoint; default `https://cognito-idp.<region from the link>.amazonaws.com/`. */
  cognitoEndpoint?: string;
  /** App clients with a secret → the URL of their SECRET_HASH endpoint (see secret-hash.ts). */
  secretClients?: Record<string, string>;
  /** The app, for "continue" buttons and the deep links of attribute verification and sign-in. */
  appUrl?: string;
  /** The pool's `Policies.PasswordPolicy` (DescribeUserPool), shown and checked on the reset form. */
  passwordPolicy?: { MinimumLength?: number; RequireUppercase?: boolean; RequireLowercase?: boolean; RequireNumbers?: boolean; RequireSymbols?: boolean };
}

/** The files a static host needs, by URL path, with their content type. */
export const LANDING_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'landing.js': 'text/javascript; charset=utf-8',
  'messages.js': 'text/javascript; charset=utf-8',
  'landing.css': 'text/css; charset=utf-8',
};


const HEADERS = {
  'cache-control': 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * The page's answer to one request under `basePath`: `undefined` when the path is not one of its
 * files (the caller serves something else), 405 for anything but GET and HEAD (the page never
 * posts to its own host). Fetch-style, so it mounts in Hono as is:
 *
 * @example
 * const landing = createLandingFetchHandler({ config, basePath: '/landing/' });
 * app.get('/landing/*', (c) => landing(c.req.raw) ?? c.notFound());
 */
export function createLandingFetchHandler(options: { config: LandingConfig; basePath?: string }): (request: Request) => Response | undefined {
  const base = (options.basePath ?? '/').replace(/\/?$/, '/');
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const [name, type] of Object.entries(LANDING_FILES)) files.set(name, { type, body: readFileSync(new URL(name, import.meta.url)) });
  return (request) => {
    const path = new URL(request.url).pathname;
    if (!path.startsWith(base) && path !== base.slice(0, -1)) return undefined;
    const name = path.slice(base.length) || 'index.html';
    // config.json is written per request, so a caller may fill in endpoints known only later.
    const file = name === 'config.json' ? { type: 'application/json', body: Buffer.from(JSON.stringify(options.config)) } : files.get(name);
    if (!file) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
    const body = request.method === 'HEAD' ? null : new Uint8Array(file.body);
    return new Response(body, { status: 200, headers: { ...HEADERS, 'content-type': file.type, 'content-length': String(file.body.length) } });
  };
}

/** The same for node:http servers: answers true when it served the request. */
export function createLandingHandler(options: { config: LandingConfig; basePath?: string }): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const answer = createLandingFetchHandler(options);
  return async (request, response) => {
    const result = answer(new Request(new URL(request.url ?? '/', 'http://landing.invalid'), { method: request.method ?? 'GET' }));
    if (!result) return false;
    response.writeHead(result.status, Object.fromEntries(result.headers));
    response.end(Buffer.from(await result.arrayBuffer()));
    return true;
  };
}

export interface LandingServer {
  /** e.g. `http://127.0.0.1:40123/`: use it as LINK_BASE_URL. */
  url: string;
  close(): Promise<void>;
}

/** The page on 127.0.0.1 (free port unless given); 404 for anything else. */
export async function startLandingServer(options: { config: LandingConfig; port?: number; host?: string }): Promise<LandingServer> {
  const handle = createLandingHandler({ config: options.config });
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    handle(request, response)
      .then((served) => {
        if (!served) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      })
      .catch(() => response.writeHead(500).end());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
