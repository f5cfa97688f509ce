/**
 * cognito-local (npm `cognito-local`, the Cognito emulator many teams run locally) with the relay
 * as its CustomEmailSender, all on loopback:
 *
 *   SignUp / ForgotPassword / … ──▶ cognito-local ──Encryption SDK──▶ KMS stand-in
 *                                        │ Lambda Invoke (HTTP, the AWS SDK's wire format)
 *                                        ▼
 *                            the relay (shipped bundle in its own process, or the sources)
 *                                        │ SMTP
 *                                        ▼
 *                                   SMTP inbox
 *
 * cognito-local encrypts the code itself, with the official Encryption SDK and its own KMS keyring
 * (a generator key plus a key id: two data keys for one key), and invokes the function through the
 * AWS SDK's Lambda client: nothing here writes the ciphertext or the event the relay receives.
 *
 * What cognito-local 5.3 cannot do: it has no CustomSMSSender trigger (every custom-sender event
 * is `CustomEmailSender_*`) and no ResendConfirmationCode operation.
 *
 * @example
 * const local = await startCognitoLocalRelay();           // bundle: run `npm run build` first
 * const { userSub } = await local.signUp('ada@example.com', 'Passw0rd!');
 * const code = await local.codeFor('ada@example.com');    // from the mail the relay delivered
 * await local.confirmSignUp('ada@example.com', code);
 * await local.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { RelayError } from '../../runtime/errors.ts';
import { DEFAULT_BUNDLE } from './bundle.ts';
import { invokeInProcess } from './in-process.ts';
import { startLambdaProcess, type LambdaProcess } from './lambda-process.ts';
import { SANDBOX_CREDENTIALS, SANDBOX_FUNCTION_NAME, SANDBOX_REGION, startLocalStack, type Env, type LocalStack } from './local-stack.ts';
import type { ReceivedMail } from './smtp-inbox.ts';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// The emulator on its own
// ---------------------------------------------------------------------------------------------

/** cognito-local's `.cognito/config.json` (only the parts this project sets). */
export interface CognitoLocalConfig {
  TriggerFunctions?: Record<string, string>;
  LambdaClient?: Record<string, unknown>;
  KMSConfig?: Record<string, unknown>;
  UserPoolDefaults?: Record<string, unknown>;
}

export interface CognitoLocalServer {
  /** e.g. http://127.0.0.1:40123 — the Cognito endpoint. */
  url: string;
  /** cognito-local's package version, e.g. `5.3.0`. */
  version: string;
  close(): Promise<void>;
}

/**
 * Starts cognito-local in a child process on 127.0.0.1 (free port), with a throw-away data
 * directory holding `config`.
 *
 * Started programmatically: its bin hard-codes `.cognito/` under the working directory and reads
 * `PORT`/`HOST` from the environment, so the child runs in a temp dir with PORT=0 and prints the
 * port it got.
 */
export async function startCognitoLocal(config: CognitoLocalConfig = {}): Promise<CognitoLocalServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cognito-local-'));
  await mkdir(join(dataDir, '.cognito'));
  await writeFile(join(dataDir, '.cognito', 'config.json'), JSON.stringify(config));
  const entry = require.resolve('cognito-local');
  const launcher = `
    const { createDefaultServer } = require(${JSON.stringify(entry)});
    const pino = require(${JSON.stringify(require.resolve('pino', { paths: [entry] }))});
    createDefaultServer(pino({ level: 'silent' }))
      .then((server) => server.start())
      .then((server) => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\\n'))
      .catch((error) => { console.error(error); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', launcher], {
    cwd: dataDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let port: number;
  try {
    port = await readPort(child);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    version: cognitoLocalVersion(),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The installed cognito-local's version (reported by tests and the sandbox). */
export function cognitoLocalVersion(): string {
  const { version } = require(join(require.resolve('cognito-local'), '..', '..', 'package.json')) as { version: string };
  return version;
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`cognito-local did not start within 20 s: ${err.slice(-2000)}`));
    }, 20_000);
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cognito-local exited (${code}) before listening: ${err.slice(-2000)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// cognito-local → the relay
// ---------------------------------------------------------------------------------------------

/** One trigger cognito-local fired at the relay, and how the relay answered. */
export interface RelayInvocation {
  /** e.g. `CustomEmailSender_SignUp` (read from the event; the event itself is not kept: it holds the ciphertext). */
  triggerSource: string;
  ok: boolean;
  /** The relay's error when it refused or failed (its messages never carry the code). */
  error?: { name: string; message: string; code?: string };
  durationMs: number;
}

export type RelayRuntime =
  /** The shipped `dist/lambda/index.mjs` in its own process, as Lambda runs it (`npm run build` first). */
  | { kind: 'bundle'; bundle?: string }
  /** The sources, bootstrapped in this process for each invocation (no build needed). */
  | { kind: 'sources' }
  /**
   * The caller's own runner, e.g. the sandbox's Lambda process, so its log view shows these
   * invocations too. It must use the stack's KMS stand-in and `KMS_KEY_ARN` = `stack.keyArn`.
   */
  | { kind: 'invoke'; invoke(event: unknown): Promise<{ ok: boolean; error?: RelayInvocation['error'] }> };

export interface CognitoLocalRelayOptions {
  /** Default: the shipped bundle. */
  relay?: RelayRuntime;
  /** KMS stand-in and SMTP inbox to use; default a new local stack, closed by `close()`. */
  stack?: LocalStack;
  /** Relay settings on top of the local ones (e.g. `APP_NAME`, `LOG_LEVEL`). */
  relayEnv?: Env;
}

export interface CognitoLocalRelay {
  /** The emulator's endpoint; `client` already points at it. */
  cognitoUrl: string;
  cognitoLocalVersion: string;
  /** A real Cognito SDK client for cognito-local. Destroyed by `close()`. */
  client: CognitoIdentityProviderClient;
  /** The pool and app client created at start (username = email, as cognito-local defaults). */
  userPoolId: string;
  clientId: string;
  stack: LocalStack;
  /** Every trigger cognito-local fired, in order. */
  invocations: RelayInvocation[];
  onInvocation(listener: (invocation: RelayInvocation) => void): void;
  /** SignUp through cognito-local: the relay delivers the code to the SMTP inbox. */
  signUp(email: string, password: string): Promise<{ userSub: string; confirmed: boolean }>;
  /**
   * Waits for the next mail to `email` delivered after `afterMailId` (default: any not yet read
   * by this function) and returns the first six-digit number in its text: the code (cognito-local
   * makes six-digit codes). The error says why when none arrives (usually the relay's refusal).
   */
  codeFor(email: string, options?: { afterMailId?: number; timeoutMs?: number }): Promise<string>;
  confirmSignUp(email: string, code: string): Promise<void>;
  /** AdminGetUser's `UserStatus`, e.g. `UNCONFIRMED`, `CONFIRMED`. */
  userStatus(email: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * Starts the KMS stand-in and SMTP inbox (unless given), a Lambda Invoke endpoint running the
 * relay, and cognito-local configured to call it as CustomEmailSender; creates one pool and one
 * app client.
 */
export async function startCognitoLocalRelay(options: CognitoLocalRelayOptions = {}): Promise<CognitoLocalRelay> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const runtime = options.relay ?? { kind: 'bundle' };
    if (runtime.kind === 'bundle' && !existsSync(runtime.bundle ?? DEFAULT_BUNDLE)) {
      throw new RelayError('BUNDLE_MISSING', `${runtime.bundle ?? DEFAULT_BUNDLE} does not exist: run \`npm run build\` first, or run the sources ({ kind: 'sources' })`);
    }
    const stack = options.stack ?? (await startLocalStack());
    if (!options.stack) closers.push(() => stack.close());

    // The URL of cognito-local is only known once it listens, and the relay's environment names
    // it (AdminGetUser goes there), so the relay starts lazily, at the first invocation.
    let cognitoUrl = '';
    const relayEnv = (): Env => ({
      ...stack.relayEnv({ mode: 'local', userEnv: options.relayEnv ?? {} }).env,
      ...options.relayEnv,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoUrl,
    });
    // In this process, the SDK would take its KMS endpoint from this process's environment, so
    // the sources get the stack's decryptor (the same code, its client bound to the stand-in).
    const decryptor = runtime.kind === 'sources' ? stack.decryptor() : undefined;
    let lambda: LambdaProcess | undefined;
    closers.push(async () => lambda?.close());
    const run = async (event: unknown): Promise<Omit<RelayInvocation, 'triggerSource'>> => {
      if (runtime.kind === 'invoke') {
        const started = performance.now();
        const outcome = await runtime.invoke(event);
        return { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}), durationMs: performance.now() - started };
      }
      if (runtime.kind === 'sources') {
        const outcome = await invokeInProcess(relayEnv(), event, decryptor ? { decryptor } : {});
        return { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}), durationMs: outcome.durationMs };
      }
      lambda ??= startLambdaProcess({ bundle: runtime.bundle ?? DEFAULT_BUNDLE, env: relayEnv() });
      const outcome = await lambda.invoke(event);
      return { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}), durationMs: outcome.durationMs };
    };

    const invocations: RelayInvocation[] = [];
    const listeners: ((invocation: RelayInvocation) => void)[] = [];
    const invokeEndpoint = await startInvokeEndpoint(async (event) => {
      const triggerSource = String((event as { triggerSource?: unknown } | null)?.triggerSource ?? '(none)');
      const invocation: RelayInvocation = { triggerSource, ...(await run(event)) };
      invocations.push(invocation);
      for (const listener of listeners) listener(invocation);
      return invocation;
    });
    closers.push(() => invokeEndpoint.close());

    const keyId = stack.keyArn.slice(stack.keyArn.lastIndexOf('/') + 1);
    const signing = { region: SANDBOX_REGION, credentials: SANDBOX_CREDENTIALS };
    const cognito = await startCognitoLocal({
      TriggerFunctions: { CustomEmailSender: SANDBOX_FUNCTION_NAME },
      LambdaClient: { ...signing, endpoint: invokeEndpoint.url, maxRetries: 0 },
      // cognito-local's keyring: generator = KMSKeyAlias, keyIds = [KMSKeyId]. The stand-in has no
      // aliases; the bare key id resolves the same way an alias would (KMS answers with the ARN).
      KMSConfig: { ...signing, endpoint: stack.kms.url, KMSKeyAlias: keyId, KMSKeyId: stack.keyArn },
      UserPoolDefaults: { UsernameAttributes: ['email'] },
    });
    closers.push(() => cognito.close());
    cognitoUrl = cognito.url;

    const client = new CognitoIdentityProviderClient({ ...signing, endpoint: cognito.url, maxAttempts: 1 });
    closers.push(async () => client.destroy());
    const pool = await client.send(
      new CreateUserPoolCommand({ PoolName: 'cognito-relay-local', AutoVerifiedAttributes: ['email'], UsernameAttributes: ['email'] }),
    );
    const userPoolId = pool.UserPool?.Id;
    if (!userPoolId) throw new Error('cognito-local created a pool without an Id');
    const appClient = await client.send(
      new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'cognito-relay-local', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    const clientId = appClient.UserPoolClient?.ClientId;
    if (!clientId) throw new Error('cognito-local created an app client without a ClientId');

    const readMailIds = new Set<number>();
    return {
      cognitoUrl: cognito.url,
      cognitoLocalVersion: cognito.version,
      client,
      userPoolId,
      clientId,
      stack,
      invocations,
      onInvocation: (listener) => void listeners.push(listener),
      async signUp(email, password) {
        const answer = await client.send(
          new SignUpCommand({ ClientId: clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
        );
        return { userSub: answer.UserSub ?? '', confirmed: answer.UserConfirmed === true };
      },
      async codeFor(email, { afterMailId, timeoutMs = 10_000 } = {}) {
        const mail = await nextMailTo(stack, email, afterMailId, readMailIds, timeoutMs).catch((error: Error) => {
          // The usual reason: the relay refused cognito-local's code. Its messages never hold the code.
          const refused = invocations.at(-1)?.error;
          throw refused ? new Error(`${error.message}; the relay's last answer: ${refused.message}`) : error;
        });
        readMailIds.add(mail.id);
        const code = /\b(\d{6})\b/.exec(mail.parsed.text ?? '')?.[1];
        if (!code) throw new Error(`the mail to ${maskEmail(email)} holds no code`);
        return code;
      },
      async confirmSignUp(email, code) {
        await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
      },
      async userStatus(email) {
        const user = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
        return user.UserStatus;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function nextMailTo(stack: LocalStack, email: string, afterMailId: number | undefined, read: Set<number>, timeoutMs: number): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  const wanted = (mail: ReceivedMail) =>
    mail.envelopeTo.some((to) => to.toLowerCase() === email.toLowerCase()) && (afterMailId === undefined ? !read.has(mail.id) : mail.id > afterMailId);
  for (;;) {
    const found = stack.smtp.messages.find(wanted);
    if (found) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no mail to ${maskEmail(email)} arrived within ${timeoutMs} ms`);
    await stack.smtp.waitFor(stack.smtp.messages.at(-1)?.id ?? 0, left).catch(() => undefined);
  }
}

/** `a***@example.com`: errors never carry whole addresses. */
function maskEmail(email: string): string {
  const at = email.indexOf('@');
  return at > 0 ? `${email[0]}***${email.slice(at)}` : '***';
}

// ---------------------------------------------------------------------------------------------
// Lambda's Invoke API, the part cognito-local's AWS SDK (v2) client uses
// ---------------------------------------------------------------------------------------------

/**
 * `POST /2015-03-31/functions/<name>/invocations` (RequestResponse). Answers like Lambda: 200 with
 * the function's return value as JSON (`null` for the relay, which returns nothing), and
 * `X-Amz-Function-Error: Unhandled` with `{ errorType, errorMessage }` when it throws.
 */
async function startInvokeEndpoint(
  invoke: (event: unknown) => Promise<RelayInvocation>,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const answer = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || !/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(request.url?.split('?')[0] ?? '')) {
      return answer(response, 404, { Type: 'User', message: 'only Invoke is served here' }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
    }
    let event: unknown;
    try {
      event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(response, 400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
    }
    const outcome = await invoke(event);
    if (outcome.ok) return answer(response, 200, null);
    return answer(
      response,
      200,
      { errorType: outcome.error?.name ?? 'Error', errorMessage: outcome.error?.message ?? 'the function failed' },
      { 'x-amz-function-error': 'Unhandled' },
    );
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) answer(response, 500, { Type: 'Service', message: String(error) }, { 'x-amzn-errortype': 'ServiceException' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
