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
 * Their version is then the runtime's (see docs/performance.md for the trade-off). Run on this
 * machine, the bundle resolves them from the project's node_modules, as the tests do.
 *
 * @example
 * await build({ ..., plugins: [runtimeSdkPlugin()] });
 */

/** Bare specifiers resolved from the Lambda runtime instead of the zip. */
export const RUNTIME_PROVIDED = [
  // Every service client except KMS (the hot path).
  /^@aws-sdk\/client-(?!kms$)[a-z0-9-]+$/,
  /^@aws-sdk\/(?:lib|util)-dynamodb$/,
  // Credential sources Lambda does not use: imported dynamically only after fromEnv fails.
  /^@aws-sdk\/credential-provider-(?:sso|ini|process|web-identity|http|login)$/,
  /^@smithy\/credential-provider-imds$/,
  /^@smithy\/core\/event-streams$/,
  /^bowser$/,
];

export function isRuntimeProvided(specifier) {
  return RUNTIME_PROVIDED.some((pattern) => pattern.test(specifier));
}

/** @returns {import('esbuild').Plugin} */
export function runtimeSdkPlugin() {
  return {
    name: 'runtime-sdk',
    setup(build) {
      build.onResolve({ filter: /^(?:@aws-sdk\/|@smithy\/|bowser$)/ }, (args) =>
        isRuntimeProvided(args.path) ? { path: args.path, external: true } : undefined,
      );
    },
  };
}
