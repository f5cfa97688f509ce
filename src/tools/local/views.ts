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


export interface CodeCheck {
  /** True when every delivered part carries the code. */
  ok: boolean;
  parts: { part: 'email HTML' | 'email text' | 'SMS'; messageId: number; found: boolean }[];
  /** The parts without the code, e.g. `['email HTML']`. */
  missingFrom: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The text a reader sees in an HTML part: tags dropped, character references decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:#(\d+)|#x([0-9a-f]+)|(\w+));/gi, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
      return ENTITIES[name!.toLowerCase()] ?? whole;
    });
}

/**
 * Looks for the code in every part a user could read: the HTML part (as displayed, so an escaped
 * `&lt;` counts as `<`), the text part, and each SMS. A template typo that drops the code from
 * one part only (`{{name}` swallowing the rest of the HTML) shows as a failure of that part.
 *
 * @example
 * checkCodeInMessages('123456', emails, sms) // { ok: false, missingFrom: ['email HTML'], parts: [...] }
 */
export function checkCodeInMessages(code: string, emails: EmailView[], sms: SmsView[]): CodeCheck {
  const parts: CodeCheck['parts'] = [];
  for (const email of emails) {
    if (email.html !== undefined) parts.push({ part: 'email HTML', messageId: email.id, found: visibleText(email.html).includes(code) });
    if (email.text !== undefined) parts.push({ part: 'email text', messageId: email.id, found: email.text.includes(code) });
  }
  for (const message of sms) parts.push({ part: 'SMS', messageId: message.id, found: message.body.includes(code) });
  const missingFrom = [...new Set(parts.filter((part) => !part.found).map((part) => part.part))];
  return { ok: missingFrom.length === 0, parts, missingFrom };
}
