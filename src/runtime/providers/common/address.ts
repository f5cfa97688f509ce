/**
 * Writes `Name <email>` for providers that take the From header as one string (Mailgun,
 * Postmark, Resend, SES). The display name is quoted when it holds RFC 5322 specials, so
 * `Acme, Inc.` cannot split into two addresses.
 */
import type { Address } from '../types.ts';

const ATOM_TEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;

/**
 * @example
 * formatMailbox({ email: 'no-reply@example.com', name: 'Acme, Inc.' }) // → '"Acme, Inc." <no-reply@example.com>'
 * formatMailbox({ email: 'no-reply@example.com', name: 'Café' }, { encodeNonAscii: true }) // → '=?UTF-8?B?Q2Fmw6k=?= <no-reply@example.com>'
 */
export function formatMailbox(address: Address, options: { encodeNonAscii?: boolean } = {}): string {
  // CR/LF never reach a header, whatever the config layer did.
  const name = address.name?.replace(/[\r\n]+/g, ' ').trim();
  if (!name) return address.email;
  // oxlint-disable-next-line no-control-regex -- "anything outside ASCII" includes the control range by design
  if (options.encodeNonAscii && /[^\x00-\x7f]/.test(name)) {
    // SES wants non-ASCII display names as RFC 2047 encoded words.
    return `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?= <${address.email}>`;
  }
  if (ATOM_TEXT.test(name)) return `${name} <${address.email}>`;
  return `"${name.replace(/(["\\])/g, '\\$1')}" <${address.email}>`;
}
