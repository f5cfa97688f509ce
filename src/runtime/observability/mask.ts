/**
 * Masking for anything personal that reaches a log line. We keep just enough to recognise a
 * recipient while debugging ("a***@example.com", "+44*******123"), never the whole value.
 */

/** `ada.lovelace@example.com` → `a***@example.com`. Non-emails are masked whole. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** `+447700900123` → `+44*******123`: country code and last three digits only. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length < 7) return '***';
  return `${digits.slice(0, 3)}${'*'.repeat(digits.length - 6)}${digits.slice(-3)}`;
}

export function maskRecipient(channel: 'email' | 'sms', to: string): string {
  return channel === 'email' ? maskEmail(to) : maskPhone(to);
}

const EMAIL_IN_TEXT = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+\.[A-Za-z]{2,}/g;
// With or without the `+`: providers often quote numbers bare (Vonage's `to` is `447700900123`).
const PHONE_IN_TEXT = /\+\d{7,15}\b|\b\d{8,15}\b/g;

/**
 * Masks every address and phone number inside a free text (provider error messages quote the
 * recipient; those texts reach logs and dead-letter queues).
 *
 * @example redactContacts('rejected: ada@example.com, +14155550123') // → 'rejected: a***@example.com, +14*******123'
 */
export function redactContacts(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email)).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}
