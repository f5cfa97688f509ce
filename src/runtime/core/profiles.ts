/**
 * Routing: which profile of `relay.config.json` serves an event. Routes are tried in order and
 * the first whose every condition holds wins; no match means the default profile.
 *
 * - `clientId`: `callerContext.clientId`, the app client. AdminCreateUser (and other admin API
 *   calls) carry `CLIENT_ID_NOT_APPLICABLE` there, so such events match no clientId route and fall
 *   through to the metadata and attribute routes, then the default: give AdminCreateUser a
 *   `clientMetadata` or `userAttribute` route when its message must be branded per tenant.
 * - `clientMetadata`: keys the app passed as ClientMetadata (value, or one of a list).
 * - `userAttribute`: user attributes, e.g. `custom:tenant`.
 */
import type { Route } from '../config/profiles.ts';

/** Cognito's `callerContext.clientId` for admin API calls (AdminCreateUser …). */
export const CLIENT_ID_NOT_APPLICABLE = 'CLIENT_ID_NOT_APPLICABLE';

export interface RoutingInput {
  clientId: string | undefined;
  clientMetadata: Record<string, string>;
  userAttributes: Record<string, string>;
}

const oneOf = (expected: string | string[], actual: string | undefined): boolean =>
  actual !== undefined && (typeof expected === 'string' ? expected === actual : expected.includes(actual));

const allMatch = (match: Record<string, string | string[]> | undefined, values: Record<string, string>): boolean =>
  match === undefined || Object.entries(match).every(([key, expected]) => oneOf(expected, values[key]));

function matches(route: Route, input: RoutingInput): boolean {
  if (route.clientId !== undefined) {
    if (input.clientId === undefined || input.clientId === CLIENT_ID_NOT_APPLICABLE) return false;
    if (!oneOf(route.clientId, input.clientId)) return false;
  }
  return allMatch(route.clientMetadata, input.clientMetadata) && allMatch(route.userAttribute, input.userAttributes);
}

/**
 * @example
 * const route = createProfileRouter(file.routes, file.default);
 * route({ clientId: event.clientId, clientMetadata: event.clientMetadata, userAttributes: event.userAttributes }); // 'shop'
 */
export function createProfileRouter(routes: readonly Route[], defaultProfile: string): (input: RoutingInput) => string {
  return (input) => routes.find((route) => matches(route, input))?.profile ?? defaultProfile;
}

/**
 * Event fields that make `profile` win: the values of its first route (the sandbox and tests fire
 * "as" a profile this way, through the real routing). The default profile needs none. Undefined
 * when the profile has no route and is not the default.
 */
export function eventFieldsForProfile(routes: readonly Route[], defaultProfile: string, profile: string): { clientId?: string; clientMetadata: Record<string, string>; userAttributes: Record<string, string> } | undefined {
  const first = (value: string | string[]) => (typeof value === 'string' ? value : (value[0] as string));
  const pick = (match: Record<string, string | string[]> | undefined) => Object.fromEntries(Object.entries(match ?? {}).map(([key, value]) => [key, first(value)]));
  const route = routes.find((candidate) => candidate.profile === profile);
  if (!route) return profile === defaultProfile ? { clientMetadata: {}, userAttributes: {} } : undefined;
  return {
    ...(route.clientId === undefined ? {} : { clientId: first(route.clientId) }),
    clientMetadata: pick(route.clientMetadata),
    userAttributes: pick(route.userAttribute),
  };
}
