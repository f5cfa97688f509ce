/**
 * A real SMTP server on loopback (smtp-server) that keeps every message it receives, parsed
 * back with mailparser. The sandbox shows these in its inbox; tests read them to see exactly
 * what a user's mail client would get.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  id: number;
  envelopeFrom: string;
  envelopeTo: string[];
  receivedAt: string;
  parsed: ParsedMail;
  raw: string;
}

export interface SmtpInbox {
  port: number;
  /** SMTP connections accepted so far (shows whether a sender reuses its connection). */
  readonly connections: number;
  /** `smtp://127.0.0.1:<port>` — an SMTP_URL for the relay. */
  url: string;
  messages: ReceivedMail[];
  /** Resolves with the next message to arrive (or one already there beyond `after`). */
  waitFor(after?: number, timeoutMs?: number): Promise<ReceivedMail>;
  /** Make the next `count` RCPT TO commands fail with this SMTP reply. */
  rejectNext(count: number, code: number, message: string): void;
  onMessage(listener: (mail: ReceivedMail) => void): void;
  close(): Promise<void>;
}

export async function startSmtpInbox(options: { port?: number; host?: string } = {}): Promise<SmtpInbox> {
  const messages: ReceivedMail[] = [];
  let connections = 0;
  const listeners: ((mail: ReceivedMail) => void)[] = [];
  let rejections: { count: number; code: number; message: string } = { count: 0, code: 0, message: '' };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sandbox' });
    },
    onRcptTo(_address, _session, callback) {
      if (rejections.count > 0) {
        rejections.count--;
        const error = Object.assign(new Error(rejections.message), { responseCode: rejections.code });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = await simpleParser(raw);
        const mail: ReceivedMail = {
          id: messages.length + 1,
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          receivedAt: new Date().toISOString(),
          parsed,
          raw,
        };
        messages.push(mail);
        for (const listener of listeners) listener(mail);
        callback();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    // smtp-server re-emits listen errors on itself: without a listener they would crash the process.
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`The SMTP inbox cannot listen on port ${options.port}: SMTP port ${options.port} is already in use; choose another with --smtp-port.`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Later errors (a client dropping mid-message) must not take the sandbox down.
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    messages,
    waitFor(after = messages.length, timeoutMs = 10_000) {
      const existing = messages[after];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no email arrived in the SMTP inbox')), timeoutMs);
        listeners.push((mail) => {
          if (mail.id > after) {
            clearTimeout(timer);
            resolve(mail);
          }
        });
      });
    },
    rejectNext(count, code, message) {
      rejections = { count, code, message };
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
