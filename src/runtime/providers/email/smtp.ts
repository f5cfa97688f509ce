/**
 * Any SMTP server through nodemailer. The transport is pooled and created once per cold start,
 * so warm invocations reuse the connection instead of paying TCP + TLS + AUTH each time.
 *
 * What each rule follows: reply codes 4xx are transient and 5xx permanent [RFC 5321 §4.2.1];
 * enhanced status 5.1.x / 5.2.x are about the mailbox [RFC 3463 §3.2–3.3]; nodemailer's error
 * `code`s (ECONNECTION, EDNS, ETLS, EAUTH, EENVELOPE, EMESSAGE…) [nodemailer lib/smtp-connection].
 * A send cut short before the server's final reply to DATA may have been accepted: `unknown`.
 * SMTP has no idempotency key.
 */
import * as v from 'valibot';
// The mailer and the SMTP pool directly, rather than nodemailer's index, whose createTransport
// also pulls in the sendmail, SES, stream and JSON transports and the well-known services list
// (−3.8 kB of zipped Lambda bundle). `createTransport({ pool: true, … })` builds exactly this pair.
import Mail from 'nodemailer/lib/mailer/index.js';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { ProviderError } from '../../errors.ts';
import { required } from '../common/settings.ts';
import type { EmailProvider, ProviderDefinition } from '../types.ts';

export interface SmtpOptions {
  /** `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`. */
  url: string;
}

/**
 * Whether a refused RCPT TO is about the address itself. nodemailer reports it as EENVELOPE with
 * the command and the rejected list; the enhanced status code then tells the address (5.1.x bad
 * mailbox/domain, 5.2.x mailbox disabled) from server policy (5.7.1 "relay access denied"),
 * which another provider may well get past.
 */
function isAboutRecipient(e: { recipientRejected?: boolean; command?: string; rejected?: unknown[]; response?: string }): boolean {
  const atRcpt = e.recipientRejected === true || e.command === 'RCPT TO' || (e.rejected?.length ?? 0) > 0;
  if (!atRcpt) return false;
  const enhanced = /\b[245]\.(\d{1,3})\.\d{1,3}\b/.exec(e.response ?? '');
  return enhanced ? enhanced[1] === '1' || enhanced[1] === '2' : true;
}

/** Failures before the server could have received the message: connecting, DNS, TLS, greeting. */
const BEFORE_MESSAGE = new Set(['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** SMTP reply classes: 4xx is "try again later", 5xx is "this will never work". */
function classify(error: unknown, sendStarted: boolean): ProviderError {
  const e = error as { responseCode?: number; code?: string; response?: string; message?: string; recipientRejected?: boolean; command?: string; rejected?: unknown[]; syscall?: string };
  const status = e.responseCode;
  // nodemailer marks failures while connecting with command CONN (and the socket's syscall).
  const beforeMessage = BEFORE_MESSAGE.has(e.code ?? '') || e.command === 'CONN' || e.syscall === 'connect';
  if (status === undefined && sendStarted && !beforeMessage) {
    // No SMTP reply: the attempt ended (timeout, reset) while the message may be on its way.
    return new ProviderError({ provider: 'smtp', kind: 'unknown', providerMessage: e.message ?? String(error), cause: error });
  }
  // A 4xx reply is temporary even inside an envelope error (greylisting a recipient).
  const permanent =
    (status !== undefined && status >= 500) || e.code === 'EAUTH' || (e.code === 'EENVELOPE' && (status === undefined || status >= 500));
  const hint =
    e.code === 'EAUTH'
      ? 'check the user and password in SMTP_URL'
      : status === 550 || status === 553
        ? 'the server refused the sender or recipient; check EMAIL_FROM is allowed to send through this server'
        : undefined;
  return new ProviderError({
    provider: 'smtp',
    kind: permanent ? 'permanent' : 'retryable',
    status,
    providerMessage: e.response ?? e.message ?? String(error),
    providerCode: e.code,
    hint,
    recipient: isAboutRecipient(e),
    cause: error,
  });
}

export function createSmtp(options: SmtpOptions): EmailProvider {
  const poolOptions = {
    url: options.url,
    pool: true,
    maxConnections: 2,
    // Fail fast instead of nodemailer's two-minute defaults: delivery retries on its own budget.
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
  } as SMTPPool.Options;
  const transport = new Mail(new SMTPPool(poolOptions), poolOptions);

  return {
    name: 'smtp',
    channel: 'email',
    idempotent: false,
    async send(message, ctx) {
      if (ctx.signal.aborted) throw classify(new Error('aborted before sending'), false);
      const sending = transport.sendMail({
        from: message.from.name ? { name: message.from.name, address: message.from.email } : message.from.email,
        to: message.to,
        replyTo: message.replyTo,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: {
          'X-Cognito-Relay-Trigger': message.triggerSource,
          // RFC 3834: tell auto-responders not to reply to a machine-sent code.
          'Auto-Submitted': 'auto-generated',
        },
      });
      // nodemailer takes no AbortSignal: race it, so a hung server cannot outlive the attempt.
      const aborted = new Promise<never>((_, reject) => {
        ctx.signal.addEventListener('abort', () => reject(new Error('SMTP send timed out')), { once: true });
      });
      try {
        const info = await Promise.race([sending, aborted]);
        if (info.rejected.length > 0) {
          throw Object.assign(new Error(`recipient rejected: ${info.response}`), {
            responseCode: 550,
            response: info.response,
            recipientRejected: true,
          });
        }
        return { provider: 'smtp', messageId: info.messageId };
      } catch (error) {
        throw classify(error, true);
      }
    },
    async close() {
      transport.close();
    },
  };
}

const schema = v.object({ SMTP_URL: required('SMTP_URL') });

const definition: ProviderDefinition<'email', v.InferOutput<typeof schema>> = {
  name: 'smtp',
  channel: 'email',
  settings: [
    {
      env: 'SMTP_URL',
      required: true,
      secret: true,
      description: 'the server as a URL with credentials, e.g. smtps://user:password@smtp.example.com:465',
    },
  ],
  schema,
  validate: (settings) => {
    try {
      const url = new URL(settings.SMTP_URL ?? '');
      return url.protocol === 'smtp:' || url.protocol === 'smtps:'
        ? []
        : ['SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)'];
    } catch {
      return settings.SMTP_URL ? ['SMTP_URL is not a valid URL, e.g. smtps://user:password@smtp.example.com:465'] : [];
    }
  },
  create: (settings) => createSmtp({ url: settings.SMTP_URL }),
};
export default definition;
