/**
 * The providers' default HTTP client: `node:http`/`node:https` with one keep-alive agent per
 * protocol, in the call shape `request()` uses from `fetch`.
 *
 * Hand-written instead of `fetch` because of what `fetch` (undici) costs the Lambda: Node loads
 * undici on first use, ~30–40 ms on the first invocation after init, and each warm loopback POST
 * took ~1.1–1.3 ms through `fetch` vs ~0.45 ms through `node:https` with a keep-alive agent
 * (docs/performance.md). The relay needs only a POST/PUT with a string or form body, the status,
 * headers and text of the answer, an abort signal and no redirects: this is that, nothing more.
 * Anything with `fetch`'s call shape can still be injected instead (tests pass the real one).
 */
import http from 'node:http';
import https from 'node:https';
import type { FetchLike, FetchLikeInit, FetchLikeResponse } from './http.ts';

/** A provider's answer larger than this is cut (it is only parsed for an id or an error text). */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

// One pool per protocol for the life of the process (a Lambda execution environment). Idle
// sockets close after 4 s, or earlier when the server's `Keep-Alive: timeout=` asks (Node applies
// that hint minus 1 s), as undici did: reusing a socket the server already closed means ECONNRESET.
const agentOptions = { keepAlive: true, maxSockets: 50, timeout: 4000 };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

export const nodeTransport: FetchLike = (url, init) => {
  return new Promise<FetchLikeResponse>((resolve, reject) => {
    const { signal } = init;
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    // A bad URL, protocol or body throws here, before anything is sent or listened to.
    const target = new URL(url);
    const headers = lowerCaseKeys(init.headers);
    const body = encodeBody(init.body, headers);
    // As fetch when the caller did not say (some firewalls refuse requests without a user agent);
    // identity, so nothing needs decompressing.
    headers['user-agent'] ??= 'node';
    headers['accept-encoding'] ??= 'identity';
    headers['content-length'] = String(body.length);

    const secure = target.protocol === 'https:';
    // Any other protocol than http:/https: makes http.request throw ERR_INVALID_PROTOCOL.
    const req = (secure ? https : http).request(target, {
      method: init.method.toUpperCase(),
      headers,
      agent: secure ? httpsAgent : httpAgent,
    });

    // The same listener covers the wait for the headers and the body read in text().
    let settleBody: ((error: Error) => void) | undefined;
    const onAbort = () => {
      const error = abortError(signal);
      req.destroy(error);
      reject(error);
      settleBody?.(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);

    req.on('error', (error: Error & { code?: string }) => {
      done();
      // undici's shape: TypeError whose `cause` is the socket error (cause.code = ECONNREFUSED…).
      reject(signal.aborted ? abortError(signal) : new TypeError(`request failed: ${error.code ?? error.message}`, { cause: error }));
    });
    req.on('response', (res) => {
      let read: Promise<string> | undefined;
      resolve({
        status: res.statusCode ?? 0,
        headers: {
          get(name: string): string | null {
            const value = res.headers[name.toLowerCase()];
            if (value === undefined) return null;
            // Duplicate headers joined as fetch's Headers.get() joins them.
            return Array.isArray(value) ? value.join(', ') : value;
          },
        },
        text() {
          read ??= signal.aborted
            ? Promise.reject(abortError(signal))
            : readText(res, (settle) => (settleBody = settle)).finally(done);
          return read;
        },
      });
    });
    req.end(body);
  });
};

/** Reads at most MAX_RESPONSE_BYTES, decoded as UTF-8 as fetch's `text()` does (BOM dropped). */
function readText(res: http.IncomingMessage, onAbortSettle: (settle: (error: Error) => void) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      if (error) reject(error);
      else resolve(new TextDecoder('utf-8').decode(Buffer.concat(chunks, size)));
    };
    onAbortSettle((error) => {
      res.destroy();
      finish(error);
    });
    // Aborted (or the socket failed) before the body was asked for.
    if (res.destroyed) return finish(incomplete());
    res.on('data', (chunk: Buffer) => {
      if (finished) return;
      const room = MAX_RESPONSE_BYTES - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        // Enough: drop the rest and the connection with it rather than read a flood.
        res.destroy();
        finish();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => finish());
    res.on('error', (error) => finish(error));
    res.on('close', () => finish(res.complete ? undefined : incomplete()));
  });
}

function incomplete(): Error {
  return new Error('the response body was cut off');
}

function encodeBody(body: FetchLikeInit['body'], headers: Record<string, string>): Buffer {
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return Buffer.from(body);
  }
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return Buffer.from(body.toString());
  }
  // No provider sends multipart; supporting it would mean undici's FormData encoder again.
  throw new TypeError('the HTTP transport sends only string and URLSearchParams bodies');
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as { message?: string } | undefined;
  const error = new Error(`This operation was aborted${reason?.message ? ` (${reason.message})` : ''}`, { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}
