/**
 * esbuild plugin: leave out of the Lambda zip the AWS SDK v3 packages that the nodejs22.x runtime
 * already ships in /var/runtime/node_modules (which Lambda's Node ≥ 18 runtimes search for ES
 * module imports too, via NODE_PATH), and that the hot path does not load.
 *
 * Kept bundled, on purpose: `@aws-sdk/client-kms`, its core (`@aws-sdk/core`, `@smithy/*`) and
 * the env credential provider. Every invocation decrypts through them, so their version is
 * pinned by our lockfile and they load from one pre-linked file instead of dozens of CommonJS
 * files from the runtime.
 *
 * Left to the runtime (each only imported lazily, on a path a given deployment may never take):
 * - the other service clients (SES v2, SNS, End User Messaging SMS, DynamoDB, Secrets Manager,
 *   SSM, Cognito, …) used by optional providers, secret stores, idempotency and user lookup;
 * - the credential providers other than env vars (SSO, ini files, credential_process, web
 *   identity, container/IMDS): on Lambda the execution role's credentials are in the
 *   environment, so `fromEnv` answers first and the SDK never imports these;
 * - `@smithy/core/event-streams` (KMS has no event-stream operation) and `bowser` (browser
 *   user-agent parsing; never called on Node).
 * Their version is then the runtime's. The price, measured: a deployment that configures one of
 * those clients loads the runtime's own copy of the SDK core when it does (~200 ms more cold
 * start, once), where a bundled client would reuse the bundled core (~20 ms) at ~95 kB more zip.
 * `serviceClients: 'bundle'` (build: LAMBDA_AWS_SDK_CLIENTS=bundle) makes that choice; see
 * docs/performance.md. Run on this machine, the bundle resolves externals from the project's
 * node_modules, as the tests do.
 *
 * @example
 * await build({ ..., plugins: [runtimeSdkPlugin()] });
 */

/** Service clients other than KMS: from the runtime by default, bundled on request. */
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
 * @param {'runtime' | 'bundle'} serviceClients
 */
export function isRuntimeProvided(specifier, serviceClients = 'runtime') {
  const patterns = serviceClients === 'runtime' ? [...OPTIONAL_SERVICE_CLIENTS, ...NEVER_LOADED_ON_LAMBDA] : NEVER_LOADED_ON_LAMBDA;
  return patterns.some((pattern) => pattern.test(specifier));
}

/**
 * @param {{ serviceClients?: 'runtime' | 'bundle' }} [options] `bundle` puts the optional service
 *   clients in the zip (~+95 kB) so deployments using SES, SNS, End User Messaging, DynamoDB
 *   idempotency or secret stores load them with the bundled SDK core (~20 ms) instead of the
 *   runtime's own copy of the SDK (~200 ms on a cold start; docs/performance.md).
 * @returns {import('esbuild').Plugin}
 */
export function runtimeSdkPlugin(options = {}) {
  const serviceClients = options.serviceClients ?? 'runtime';
  if (serviceClients !== 'runtime' && serviceClients !== 'bundle') {
    throw new Error(`runtime-sdk: serviceClients must be "runtime" or "bundle", not "${serviceClients}"`);
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
