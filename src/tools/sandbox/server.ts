/**
 * The sandbox's web server (node:http, no framework): the static UI from `ui/`, a small JSON
 * API, and server-sent events so open pages refresh when an invocation finishes or a template
 * changes.
 *
 *   GET  /                      inbox          GET  /gallery            template gallery
 *   GET  /api/state             sandbox info   POST /api/invoke         fire a trigger
 *   GET  /api/invocations       history        GET  /api/messages       mail from elsewhere
 *   GET  /api/gallery           renders        GET  /api/emails/:id/raw the message as received
 *   POST /api/clear             empty inbox    POST /api/restart        next call is a cold start
 *   GET  /api/events            SSE: invocation, message, templates, bundle, cleared
 *
 * Only this machine should drive it: requests must name a loopback Host (no DNS rebinding), and
 * POSTs must be same-origin JSON (a web page elsewhere cannot make the relay send mail).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayError } from '../../runtime/errors.ts';
import type { Gallery } from './gallery.ts';
import { listenOrExplain } from '../local/listen.ts';
import type { FireRequest } from '../local/scenario.ts';
import type { Sandbox } from './sandbox.ts';

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

export interface SandboxServer {
  url: string;
  broadcast(event: string, data: unknown): void;
  close(): Promise<void>;
}

export interface SandboxServerOptions {
  sandbox: Sandbox;
  gallery: Gallery;
  port: number;
  host: string;
  rawEmail(id: number): string | undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'send the request as application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
}

function stringRecord(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, `${field} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new HttpError(400, `${field}.${key} must be a string`);
    out[key] = item;
  }
  return out;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${field} must be a string`);
  return value;
}

export function parseFireRequest(body: unknown): FireRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'send a JSON object');
  const input = body as Record<string, unknown>;
  const triggerSource = optionalString(input['triggerSource'], 'triggerSource');
  if (!triggerSource) throw new HttpError(400, 'triggerSource is required');
  return {
    triggerSource,
    userName: optionalString(input['userName'], 'userName'),
    attributes: stringRecord(input['attributes'], 'attributes'),
    riskAttributes: stringRecord(input['riskAttributes'], 'riskAttributes'),
    clientMetadata: stringRecord(input['clientMetadata'], 'clientMetadata'),
    code: optionalString(input['code'], 'code'),
  };
}

export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const { sandbox, gallery } = options;
  const assets = new Map<string, string>(readdirSync(UI_DIR).map((name) => [`/${name}`, join(UI_DIR, name)]));
  const pages: Record<string, string> = { '/': '/index.html', '/gallery': '/gallery.html' };
  const streams = new Set<ServerResponse>();
  let port = options.port;

  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };

  const checkHost = (request: IncomingMessage) => {
    const host = String(request.headers.host ?? '');
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (!LOOPBACK_HOSTS.has(name) && name !== options.host) throw new HttpError(403, `the sandbox answers requests for localhost only, not ${host}`);
  };

  const checkSameOrigin = (request: IncomingMessage) => {
    const origin = request.headers.origin;
    // Sandboxed iframes send `Origin: null`: refused like any other foreign origin.
    if (origin && (origin === 'null' || !URL.canParse(origin) || new URL(origin).host !== request.headers.host)) {
      throw new HttpError(403, 'cross-origin requests are refused');
    }
  };

  const serveFile = (response: ServerResponse, path: string) => {
    const file = assets.get(path);
    if (!file) throw new HttpError(404, `no page ${path}`);
    const body = readFileSync(file);
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      // The UI is edited with the sandbox running; never serve a stale copy.
      'cache-control': 'no-cache',
    });
    response.end(body);
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    checkHost(request);
    const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const method = request.method ?? 'GET';

    if (method === 'GET' && !path.startsWith('/api/')) {
      serveFile(response, pages[path] ?? path);
      return;
    }
    if (method === 'POST') checkSameOrigin(request);

    if (method === 'GET' && path === '/api/state') return sendJson(response, 200, sandbox.info());
    if (method === 'GET' && path === '/api/invocations') return sendJson(response, 200, { invocations: sandbox.invocations() });
    if (method === 'GET' && path === '/api/messages') return sendJson(response, 200, { messages: sandbox.looseMessages() });
    if (method === 'GET' && path === '/api/gallery') return sendJson(response, 200, gallery.render());
    const raw = /^\/api\/emails\/(\d+)\/raw$/.exec(path);
    if (method === 'GET' && raw) {
      const text = options.rawEmail(Number(raw[1]));
      if (text === undefined) throw new HttpError(404, 'no such email');
      response.writeHead(200, { 'content-type': 'message/rfc822', 'content-disposition': `attachment; filename="sandbox-${raw[1]}.eml"` });
      response.end(text);
      return;
    }
    if (method === 'GET' && path === '/api/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(': connected\n\n');
      streams.add(response);
      const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
      request.on('close', () => {
        clearInterval(keepAlive);
        streams.delete(response);
      });
      return;
    }
    if (method === 'POST' && path === '/api/invoke') {
      const fireRequest = parseFireRequest(await readJson(request));
      try {
        return sendJson(response, 200, await sandbox.fire(fireRequest));
      } catch (error) {
        if (error instanceof RelayError && error.code === 'UNKNOWN_TRIGGER') throw new HttpError(400, error.message);
        throw error;
      }
    }
    if (method === 'POST' && path === '/api/clear') {
      await readJson(request);
      sandbox.clear();
      return sendJson(response, 200, { ok: true });
    }
    if (method === 'POST' && path === '/api/restart') {
      await readJson(request);
      await sandbox.restartFunction();
      broadcast('restarted', {});
      return sendJson(response, 200, { ok: true });
    }
    throw new HttpError(404, `no route ${method} ${path}`);
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (response.headersSent) {
        response.end();
        return;
      }
      sendJson(response, status, { error: (error as Error).message });
    });
  });

  await listenOrExplain(server, { port, host: options.host, what: 'sandbox web UI', flag: '--port (or SANDBOX_PORT)' });
  port = (server.address() as AddressInfo).port;
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${urlHost}:${port}`,
    broadcast,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
