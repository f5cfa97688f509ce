/**
 * Pieces of the providers' settings schemas (valibot): each names its environment variable in
 * its messages, so the config layer can report every problem at once in words a user can act on.
 * The output keeps the environment names and values as given (defaults filled in): typing, not
 * rewriting; a provider's `create` derives what it needs.
 */
import * as v from 'valibot';

/** A setting that must be present and non-empty. */
export function required(env: string) {
  return v.pipe(v.string(`${env} is required`), v.nonEmpty(`${env} is required`));
}

/** A setting that may be absent. */
export function optional() {
  return v.optional(v.string());
}

/** An http(s) base URL with a default. */
export function baseUrlSetting(env: string, fallback: string) {
  return v.optional(
    v.pipe(
      v.string(),
      v.url(`${env} must be a URL, e.g. ${fallback}`),
      v.regex(/^https?:\/\//, `${env} must start with https:// (or http:// for a local test server), e.g. ${fallback}`),
    ),
    fallback,
  );
}

/** An optional http(s) URL (endpoint overrides of the AWS providers). */
export function optionalUrl(env: string) {
  return v.optional(v.pipe(v.string(), v.url(`${env} must be a URL, e.g. https://localhost:4566`)));
}
