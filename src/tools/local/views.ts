/**
 * How the inboxes' messages are shown (web UI, `simulate --json`): the parsed email reduced to
 * what a reader looks at, and the SMS as received.
 */
import type { ParsedMail } from 'mailparser';
import type { ReceivedMail } from './smtp-inbox.ts';
import type { ReceivedSms } from './sms-inbox.ts';

export interface EmailView {
  kind: 'email';
  id: number;
  receivedAt: string;
  messageId: string | undefined;
  from: string;
  to: string;
  subject: string;
  html: string | undefined;
  text: string | undefined;
  headers: { name: string; value: string }[];
  envelope: { from: string; to: string[] };
  sizeBytes: number;
  invocationId?: number | undefined;
}

export interface SmsView extends ReceivedSms {
  kind: 'sms';
  invocationId?: number | undefined;
}

export function emailView(mail: ReceivedMail, invocationId?: number): EmailView {
  const parsed: ParsedMail = mail.parsed;
  const address = (value: ParsedMail['from'] | ParsedMail['to']): string => {
    if (!value) return '';
    return Array.isArray(value) ? value.map((v) => v.text).join(', ') : value.text;
  };
  return {
    kind: 'email',
    id: mail.id,
    receivedAt: mail.receivedAt,
    messageId: parsed.messageId,
    from: address(parsed.from),
    to: address(parsed.to),
    subject: parsed.subject ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    text: parsed.text,
    headers: parsed.headerLines.map((h) => {
      const colon = h.line.indexOf(':');
      return { name: colon > 0 ? h.line.slice(0, colon) : h.key, value: colon > 0 ? h.line.slice(colon + 1).trim().replace(/\r?\n[ \t]+/g, ' ') : '' };
    }),
    envelope: { from: mail.envelopeFrom, to: mail.envelopeTo },
    sizeBytes: Buffer.byteLength(mail.raw),
    invocationId,
  };
}

