/**
 * Country calling codes (ITU-T E.164) for the SMS allow-list.
 *
 * Why calling codes and not ISO countries: the code is written in the number itself, so no
 * numbering-plan database is needed (libphonenumber's metadata is hundreds of KB), and it is
 * exactly what SMS-pumping fraud exploits. One code can cover several countries (+1 is the whole
 * North American Numbering Plan, Caribbean included); a longer prefix (`1876`, Jamaica) narrows
 * an entry when needed.
 *
 * Calling codes form a prefix code (no code starts another), so a number's code is found by
 * longest-prefix match: +1 and +7 are the only one-digit codes, a short list has two digits, and
 * everything else has three.
 */

const TWO_DIGIT_CODES = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66',
  '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

/**
 * The country calling code a string of digits starts with, or undefined when there are too few
 * digits to tell.
 *
 * @example
 * callingCodeOf('447700900123') // → '44'
 * callingCodeOf('35191234567')  // → '351'
 */
export function callingCodeOf(digits: string): string | undefined {
  if (!/^\d+$/.test(digits)) return undefined;
  if (digits[0] === '1' || digits[0] === '7') return digits.slice(0, 1);
  if (digits.length >= 2 && TWO_DIGIT_CODES.has(digits.slice(0, 2))) return digits.slice(0, 2);
  if (digits.length >= 3 && !TWO_DIGIT_CODES.has(digits.slice(0, 2))) return digits.slice(0, 3);
  return undefined;
}

/**
 * Parses `SMS_ALLOWED_COUNTRIES`: comma-separated calling codes (`1,44,33`, a leading `+` is
 * fine) or longer prefixes within one (`1876`). An entry shorter than a calling code (`4`) is
 * refused: it would silently allow a dozen countries.
 */
export function parseAllowedCountries(value: string): { prefixes: string[]; problems: string[] } {
  const prefixes: string[] = [];
  const problems: string[] = [];
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const digits = raw.replace(/^\+/, '');
    const code = callingCodeOf(digits);
    if (!/^\d{1,7}$/.test(digits) || code === undefined) {
      problems.push(`"${raw}" is not a country calling code; use digits like 1 (US/Canada), 44 (UK), 33 (France), 351 (Portugal)`);
      continue;
    }
    prefixes.push(digits);
  }
  if (prefixes.length === 0 && problems.length === 0) problems.push('list at least one country calling code, e.g. 1,44,33');
  return { prefixes, problems };
}

/** Whether an E.164 number's digits start with one of the allowed prefixes. */
export function isAllowedNumber(e164: string, prefixes: string[]): boolean {
  const digits = e164.slice(1);
  return prefixes.some((prefix) => digits.startsWith(prefix));
}

/** `+` then 1–15 digits, no leading zero: the only form SMS providers accept. */
export function isE164(value: string): boolean {
  return /^\+[1-9]\d{5,14}$/.test(value);
}
