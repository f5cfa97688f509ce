/**
 * The sandbox's SMS inbox: a loopback HTTP server that answers Twilio's Messages API
 * (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, Basic auth) and keeps every
 * message. The relay talks to it through its real Twilio provider (`TWILIO_BASE_URL` pointing
 * here), so a simulated SMS crosses the same code a production one does: form encoding, auth,
 * Twilio's answer and error shapes.
 *
 * @example
 * const sms = await startSmsInbox();
 * // relay env: SMS_PROVIDER=twilio, TWILIO_BASE_URL=sms.url, TWILIO_ACCOUNT_SID=sms.accountSid, …
 * const message = await sms.waitFor();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { listenOrExplain } from './listen.ts';

export interface ReceivedSms {
  id: number;
  /** Twilio-style message SID (`SM…`), the id the relay logs as `messageId`. */
  sid: string;
  to: string;
  from: string;
  body: string;
  receivedAt: string;
  /** GSM-7 when every character fits the GSM alphabet, else UCS-2 (which halves a segment). */
  encoding: 'GSM-7' | 'UCS-2';
  /** How many SMS parts a carrier would bill. */
  segments: number;
}

export interface SmsInbox {
  /** Base URL to use as `TWILIO_BASE_URL`. */
  url: string;
  /** The account SID and token the inbox accepts (anything else gets Twilio's 20003). */
  accountSid: string;
  authToken: string;
  /** The sender number used by the sandbox (`TWILIO_FROM`). */
  from: string;
  messages: ReceivedSms[];
  /** Resolves with the first message whose id is above `after` (default: the next one). */
  waitFor(after?: number, timeoutMs?: number): Promise<ReceivedSms>;
  onMessage(listener: (sms: ReceivedSms) => void): void;
  close(): Promise<void>;
}

// GSM 03.38 basic set plus the extension table (extension characters count twice).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');
const E164 = /^\+[1-9]\d{6,14}$/;

/** Encoding and billed parts of an SMS body, as carriers count them. */
export function smsSegments(body: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number } {
  let septets = 0;
  let gsm = true;
  for (const char of body) {
    if (GSM_BASIC.has(char)) septets += 1;
    else if (GSM_EXTENDED.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'GSM-7', segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  // UCS-2 counts UTF-16 code units: an emoji takes two.
  const units = body.length;
  return { encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}

export async function startSmsInbox(options: { port?: number; host?: string } = {}): Promise<SmsInbox> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const from = '+15005550006';
  const messages: ReceivedSms[] = [];
  const listeners = new Set<(sms: ReceivedSms) => void>();
  const sockets = new Set<Socket>();
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;

  const twilioError = (response: ServerResponse, status: number, code: number, message: string): void => {
    const body = JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'POST' || !path?.startsWith('/2010-04-01/Accounts/') || !path.endsWith('/Messages.json')) {
      twilioError(response, 404, 20404, 'The requested resource was not found');
      return;
    }
    if (request.headers.authorization !== expectedAuth || path !== messagesPath) {
      twilioError(response, 401, 20003, 'Authenticate');
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    if (!E164.test(to)) {
      twilioError(response, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      return;
    }
    if (!body && !form.get('ContentSid')) {
      twilioError(response, 400, 21602, 'Message body is required.');
      return;
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const sms: ReceivedSms = {
      id: messages.length + 1,
      sid,
      to,
      from: form.get('From') ?? form.get('MessagingServiceSid') ?? '',
      body: body || `(Content template ${form.get('ContentSid')} with ${form.get('ContentVariables') ?? '{}'})`,
      receivedAt: new Date().toISOString(),
      ...smsSegments(body),
    };
    messages.push(sms);
    for (const listener of listeners) listener(sms);
    const answer = JSON.stringify({
      sid,
      account_sid: accountSid,
      to,
      from: sms.from,
      body,
      status: 'queued',
      num_segments: String(sms.segments),
      direction: 'outbound-api',
      date_created: new Date().toUTCString(),
      uri: `${messagesPath.slice(0, -'.json'.length)}/${sid}.json`,
    });
    response.writeHead(201, { 'content-type': 'application/json' }).end(answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) twilioError(response, 500, 20500, (error as Error).message);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listenOrExplain(server, { port: options.port ?? 0, host: options.host ?? '127.0.0.1', what: 'SMS inbox' });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    from,
    messages,
    waitFor(after = messages.length, timeoutMs = 10_000) {
      const existing = messages.find((m) => m.id > after);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const listener = (sms: ReceivedSms) => {
          if (sms.id <= after) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(sms);
        };
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error('no SMS arrived in the sandbox inbox'));
        }, timeoutMs);
        listeners.add(listener);
      });
    },
    onMessage(listener) {
      listeners.add(listener);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
