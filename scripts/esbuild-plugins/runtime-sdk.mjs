/**
 * esbuild plugin: leave out of the Lambda zip the AWS SDK v3 packages that the nodejs22.x runtime
 * already ships in /var/runtime/node_modules (which Lambda's Node ≥ 18 runtimes search for ES
 * module imports too, via NODE_PATH), and that the hot path does not load.
 *
 * Kept bundled, on purpose: the SDK core (`@aws-sdk/core`, `@smithy/*`) and the env credential
 * provider (every invocation's KMS Decrypt is signed and sent through them, see
 * src/runtime/crypto/kms-decrypt.ts; `@aws-sdk/client-kms` itself is not used), and the Secrets Manager
 * client (DEFAULT_BUNDLED_CLIENTS): the recommended deployment passes every provider key as
 * `<NAME>_SECRET_ARN`, so it reads one at every cold start. Bundled, it reuses the already-loaded
 * SDK core: ~+45 ms cold start for the read (loopback) instead of ~+140 ms when the runtime's own
 * copy of the SDK core has to load first, for +5 kB of zip.
 *
 * Left to the runtime (each only imported lazily, on a path a given deployment may never take):
 * - the other service clients: SES v2, SNS, End User Messaging SMS (providers), SSM (secrets as
 *   `<NAME>_PARAMETER`, +15 kB zipped if bundled: its error registry keeps all ~150 error
 *   classes), DynamoDB (opt-in idempotency, +12 kB), Cognito (ATO user lookup);
 * - the credential providers other than env vars (SSO, ini files, credential_process, web
 *   identity, container/IMDS): on Lambda the execution role's credentials are in the
 *   environment, so `fromEnv` answers first and the SDK never imports these;
 * - `@smithy/core/event-streams` (KMS has no event-stream operation) and `bowser` (browser
 *   user-agent parsing; never called on Node).
 * Their version is then the runtime's, and the first one a deployment uses loads the runtime's
 * own copy of the SDK core (~+140 ms cold start, once). `serviceClients` changes the choice
 * (build: LAMBDA_AWS_SDK_CLIENTS=bundle, =runtime, or a list such as
 * `secrets-manager,ssm,dynamodb`); see docs/performance.md. Run on this machine, the bundle
 * resolves externals from the project's node_modules, as the tests do.
 *
 * @example
 * await build({ ..., plugins: [runtimeSdkPlugin()] });
 */

/** Optional service clients bundled by default: the ones on a recommended deployment's cold path. */
export const DEFAULT_BUNDLED_CLIENTS = ['secrets-manager'];

/** Service clients other than KMS: from the runtime unless listed for bundling. */
export const OPTIONAL_SERVICE_CLIENTS = [/^@aws-sdk\/client-(?!kms$)[a-z0-9-]+$/, /^@aws-sdk\/(?:lib|util)-dynamodb$/];

/** Never loaded on Lambda's Node.js path: always from the runtime, never in the zip. */
export const NEVER_LOADED_ON_LAMBDA = [
  // Credential sources Lambda does not use: imported dynamically only after fromEnv fails.
  /^@aws-sdk\/credential-provider-(?:sso|ini|process|web-identity|http|login)$/,
  /^@smithy\/credential-provider-imds$/,
  /^@smithy\/core\/event-streams$/,
  /^bowser$/,
];

/**
 * @param {string} specifier
 * @param {'runtime' | 'bundle' | string[]} serviceClients `runtime`: every optional client from the
 *   runtime; `bundle`: every one in the zip; a list of names (`secrets-manager`, `dynamodb`, …):
 *   those in the zip, the others from the runtime.
 */
export function isRuntimeProvided(specifier, serviceClients = 'runtime') {
  if (NEVER_LOADED_ON_LAMBDA.some((pattern) => pattern.test(specifier))) return true;
  if (serviceClients === 'bundle') return false;
  if (!OPTIONAL_SERVICE_CLIENTS.some((pattern) => pattern.test(specifier))) return false;
  if (serviceClients === 'runtime') return true;
  const client = /^@aws-sdk\/(?:client-([a-z0-9-]+)|(?:lib|util)-(dynamodb))$/.exec(specifier);
  const name = client?.[1] ?? client?.[2];
  return name === undefined || !serviceClients.includes(name);
}

/** Reads `runtime`, `bundle` or a comma-separated list of client names (build env). */
export function parseServiceClients(value) {
  if (value === undefined || value === '' || value === 'runtime' || value === 'bundle') return value || 'runtime';
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !/^[a-z0-9-]+$/.test(name) || name === 'kms');
  if (unknown.length > 0) throw new Error(`runtime-sdk: not an optional client name: ${unknown.join(', ')}`);
  return names;
}

/**
 * @param {{ serviceClients?: 'runtime' | 'bundle' | string[] }} [options] which optional service
 *   clients go in the zip (default: DEFAULT_BUNDLED_CLIENTS); see isRuntimeProvided.
 * @returns {import('esbuild').Plugin}
 */
export function runtimeSdkPlugin(options = {}) {
  const serviceClients = options.serviceClients ?? DEFAULT_BUNDLED_CLIENTS;
  if (serviceClients !== 'runtime' && serviceClients !== 'bundle' && !Array.isArray(serviceClients)) {
    throw new Error(`runtime-sdk: serviceClients must be "runtime", "bundle" or a list of client names, not "${serviceClients}"`);
  }
  return {
    name: 'runtime-sdk',
    setup(build) {
      build.onResolve({ filter: /^(?:@aws-sdk\/|@smithy\/|bowser$)/ }, (args) =>
        isRuntimeProvided(args.path, serviceClients) ? { path: args.path, external: true } : undefined,
      );
    },
  };
}
