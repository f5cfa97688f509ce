/**
 * Template variables for providers whose hosted templates take only flat string values
 * (Resend, Bird, Mandrill's mailchimp merge language…). Nested objects (`user`, `signIn`) are
 * flattened: `user.given_name` with `.`, or `user_given_name` where the provider forbids dots.
 */

/**
 * @example
 * flattenVariables({ code: '123456', user: { given_name: 'Ada' } }, '_')
 * // → { code: '123456', user_given_name: 'Ada' }
 */
export function flattenVariables(variables: Record<string, unknown>, separator = '.', prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (value === null || value === undefined) continue;
    const name = `${prefix}${key}`;
    if (typeof value === 'object' && !Array.isArray(value)) {
      Object.assign(out, flattenVariables(value as Record<string, unknown>, separator, `${name}${separator}`));
    } else {
      out[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return out;
}

/**
 * Keeps what providers allow in tag names and values (ASCII letters, digits, `_`, `-`; SES,
 * Resend), replacing anything else with `_`, capped at `max` characters.
 */
export function tagSafe(value: string, max = 256): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, max);
}
