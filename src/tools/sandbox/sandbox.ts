/**
 * The local sandbox behind `npm start`: the loopback stack (KMS stand-in, SMTP and SMS inboxes,
 * Cognito stand-in), the shipped bundle running in its own process, the template gallery and
 * the web UI. `fire()` is one simulated Cognito call: encrypt a code as Cognito does, invoke the
 * handler, collect what it logged and what arrived in the inboxes.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0, smtpPort: 0 });
 * console.log(sandbox.url);
 * const record = await sandbox.fire({ triggerSource: 'CustomEmailSender_SignUp', attributes: { email: 'ada@example.com' } });
 * // The same flow driven by cognito-local (started at first use), its trigger run by this sandbox's function:
 * const { code } = await sandbox.cognitoLocal.signUp({ email: 'ada@example.com', password: 'Passw0rd!' });
 * await sandbox.cognitoLocal.confirm({ email: 'ada@example.com', code: code! });
 * await sandbox.close();
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LogLevel } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../../runtime/config/config.ts';
import { ConfigError, RelayError } from '../../runtime/errors.ts';
import { BUILTIN_TEMPLATES_DIR, relayConfigPath, userTemplatesDir } from '../../runtime/templates/paths.ts';
import { parseRelayConfigFile, resolveClientIdReferences, type RelayFileConfig } from '../../runtime/config/profiles.ts';
import { eventFieldsForProfile } from '../../runtime/core/profiles.ts';
import { findTrigger, TRIGGERS } from '../../runtime/cognito/triggers.ts';
import { SAMPLE_POOL_ID } from '../local/sample-events.ts';
import { DEFAULT_BUNDLE, bundleStatus } from '../local/bundle.ts';
import { createGallery, watchTemplates } from './gallery.ts';
import type { CognitoLocalRelay } from '../local/cognito-local.ts';
import type { LandingConfig } from '../../landing/serve.ts';
import { startLambdaProcess, type InvocationError, type LambdaProcess, type LogLine } from '../local/lambda-process.ts';
import { startLocalStack, type ChannelRoute, type Env, type LocalStack, type SandboxMode } from '../local/local-stack.ts';
import { buildEvent, prepareScenario, type FireRequest } from '../local/scenario.ts';
import { startSandboxServer, type SandboxServer } from './server.ts';
import { checkCodeInMessages, emailView, type CodeCheck, type EmailView, type SmsView } from '../local/views.ts';
import { summarizeBuildFailure } from './template-errors.ts';

export type { CodeCheck, EmailView, SmsView } from '../local/views.ts';

export const DEFAULT_PORT = 4580;
export const DEFAULT_SMTP_PORT = 2525;
const MAX_RECORDS = 200;

export interface InvocationRecord {
  id: number;
  requestId: string;
  at: string;
  mode: SandboxMode;
  /** Who invoked the function: the sandbox's form (`fire`), or cognito-local on a real API call. */
  origin: 'sandbox' | 'cognito-local';
  triggerSource: string;
  trigger: string;
  channel: 'email' | 'sms';
  userName: string;
  /** Who the message was for (from the form; shown in the UI only, never logged). */
  recipient: string | undefined;
  /**
   * The plaintext code, so the page can show what to look for. Null for AccountTakeOverNotification,
   * and for cognito-local's calls (it makes and encrypts the code itself; only the mail shows it).
   */
  code: string | null;
  clientMetadata: Record<string, string> | null;
  ok: boolean;
  error?: InvocationError;
  /** From the handler's `delivered` log line. */
  delivered?: { provider: string; messageId?: string; locale?: string };
  coldStart: boolean;
  /** `encryptMs` is 0 for cognito-local's calls (it encrypts before calling). */
  timings: { encryptMs: number; initMs?: number; durationMs: number; wallMs: number; maxMemoryMb?: number };
  logs: LogLine[];
  /** The event exactly as handed to the handler. */
  event: unknown;
  emails: EmailView[];
  sms: SmsView[];
  /** Whether every part that was delivered (email HTML, email text, SMS) carries the code. */
  codeCheck?: CodeCheck;
}

export interface SandboxInfo {
  mode: SandboxMode;
  /** The profiles of relay.config.json (RELAY_CONFIG, else the repository's); empty without it. */
  profiles: string[];
  channels: Record<'email' | 'sms', ChannelRoute>;
  notes: string[];
  bundle: { path: string; builtAt?: string; sizeBytes?: number; stale: boolean; reason?: string };
  function: { state: string; warmInvocations: number; node: string; timeoutMs: number };
  keyArn: string;
  kmsUrl: string;
  smtpUrl: string;
  userPoolId: string;
  triggers: { source: string; channel: 'email' | 'sms'; name: string; needsCode: boolean; codeIsTemporaryPassword: boolean }[];
  locales: string[];
  templates: { userDir: string; builtinDir: string };
  lastBuild?: { at: string; ok: boolean; message: string };
  /** The cognito-local emulator, once the first sign-up through it started it. */
  cognitoLocal?: CognitoLocalInfo;
  /**
   * The verification landing page the emails' links open (`LINK_BASE_URL`), served by this
   * sandbox and wired to its cognito-local; absent when the sandbox listens on an address a
   * link cannot use (plain http is accepted for loopback only).
   */
  landing?: { url: string };
}

export interface CognitoLocalInfo {
  /** The Cognito endpoint, e.g. `http://127.0.0.1:40123` (point an app's Cognito client here). */
  url: string;
  version: string;
  userPoolId: string;
  clientId: string;
}

/** What a sign-up through cognito-local did. */
export interface CognitoLocalSignUp {
  userSub: string;
  /** cognito-local's `UserStatus` for the user afterwards (`UNCONFIRMED`). */
  status: string | undefined;
  /**
   * The invocation cognito-local's CustomEmailSender call made (in `invocations()`), and whether
   * the function delivered. Like Cognito, cognito-local answers SignUp the same either way.
   */
  invocation: { id: number; ok: boolean; error?: InvocationError } | undefined;
  /** The code read from the email the sandbox inbox received; absent when the mail went to a real provider. */
  code: string | undefined;
  /** The verification link in that email (to the sandbox's landing page); absent without one. */
  link: string | undefined;
  cognitoLocal: CognitoLocalInfo;
}

/**
 * The sign-up flow through cognito-local (the npm Cognito emulator): it makes the code, encrypts
 * it with the Encryption SDK under the sandbox's KMS stand-in key and calls this sandbox's
 * function as CustomEmailSender. Started at first use (2–4 s), closed with the sandbox.
 */
export interface SandboxCognitoLocal {
  signUp(request: { email: string; password: string }): Promise<CognitoLocalSignUp>;
  confirm(request: { email: string; code: string }): Promise<{ status: string | undefined }>;
  /** cognito-local's `UserStatus` for the user (e.g. after the landing page confirmed it). */
  status(request: { email: string }): Promise<{ status: string | undefined }>;
  /** Starts cognito-local unless it runs (the landing page needs its endpoint). */
  start(): Promise<CognitoLocalInfo>;
  /** Null until the first sign-up started it. */
  info(): CognitoLocalInfo | undefined;
}

export interface SandboxOptions {
  /** Web UI port. Default 4580; 0 picks a free one. */
  port?: number;
  host?: string;
  /** SMTP inbox port. Default 2525; 0 picks a free one. */
  smtpPort?: number;
  mode?: SandboxMode;
  /** Where settings come from (APP_NAME, DEFAULT_LOCALE…; provider settings in provider mode). Default `process.env`. */
  userEnv?: Env;
  /** The bundle to run. Default `dist/lambda/index.mjs`. */
  bundle?: string;
  templatesDir?: string;
  builtinDir?: string;
  /** When set, a template change rebuilds the bundle with it and restarts the function. */
  rebuild?: (() => Promise<string>) | undefined;
  functionTimeoutMs?: number;
  /** Called after each invocation (the terminal prints a line). */
  onInvocation?: (record: InvocationRecord) => void;
  /** Called after each automatic rebuild. */
  onRebuild?: (result: { ok: boolean; message: string }) => void;
  /** Called once cognito-local has started (the terminal prints its endpoint). */
  onCognitoLocal?: (info: CognitoLocalInfo) => void;
}

export interface Sandbox {
  /** The UI's address to open; off loopback it carries the access token (`/?token=…`). */
  url: string;
  /** The base address, without the token. */
  origin: string;
  galleryUrl: string;
  /** The address the web UI listens on. */
  host: string;
  /** The access token every request needs when the sandbox listens off loopback. */
  token: string | undefined;
  stack: LocalStack;
  info(): SandboxInfo;
  /** `profile`: fire as that profile of relay.config.json (the event gets the values of its first route). */
  fire(request: FireRequest & { profile?: string | undefined }): Promise<InvocationRecord>;
  invocations(): InvocationRecord[];
  /** Messages that arrived outside any invocation (e.g. an app pointed at the SMTP port). */
  looseMessages(): (EmailView | SmsView)[];
  clear(): void;
  /** The next invocation is a cold start. */
  restartFunction(): Promise<void>;
  cognitoLocal: SandboxCognitoLocal;
  close(): Promise<void>;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const mode = options.mode ?? 'local';
  const userEnv = options.userEnv ?? process.env;
  const bundle = options.bundle ?? DEFAULT_BUNDLE;
  const templatesDir = options.templatesDir ?? userTemplatesDir(userEnv);
  const builtinDir = options.builtinDir ?? BUILTIN_TEMPLATES_DIR;
  const timeoutMs = options.functionTimeoutMs ?? 30_000;

  const stack = await startLocalStack({ smtpPort: options.smtpPort ?? DEFAULT_SMTP_PORT });
  const relay = stack.relayEnv({ mode, userEnv });
  try {
    await validateSettings(relay.env);
  } catch (error) {
    await stack.close();
    throw error;
  }
  const profiles = readSandboxProfiles(userEnv);
  // Locally every profile of relay.config.json delivers to the inboxes, whatever its chain, and
  // app client ids a route names as ${VARIABLE} get a local stand-in value unless set.
  const lambdaEnv = mode === 'local' ? { ...relay.env, ...profiles?.references, RELAY_PROFILE_PROVIDERS: 'environment' } : relay.env;
  const lambda: LambdaProcess = startLambdaProcess({ bundle, env: lambdaEnv, timeoutMs });
  const gallery = createGallery({
    userDir: templatesDir,
    builtinDir,
    appName: relay.env.APP_NAME,
    defaultLocale: relay.env.DEFAULT_LOCALE,
    profiles: profiles && Object.entries(profiles.file.profiles).map(([name, settings]) => ({ name, ...settings })),
  });


  const records: InvocationRecord[] = [];
  const attributed = new Map<string, number>();
  let nextId = 1;
  let firing = false;
  let queue: Promise<unknown> = Promise.resolve();
  let lastBuild: SandboxInfo['lastBuild'];
  let server: SandboxServer | undefined;
  // config.json of the landing page: cognitoEndpoint is filled in once cognito-local runs.
  const landingConfig: LandingConfig = {};
  let landingUrl: string | undefined;

  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  // Messages that arrive while no invocation runs came from elsewhere: show them on their own.
  stack.smtp.onMessage((mail) => {
    if (!firing) server?.broadcast('message', { kind: 'email', id: mail.id });
  });
  stack.sms.onMessage((sms) => {
    if (!firing) server?.broadcast('message', { kind: 'sms', id: sms.id });
  });

  const info = (): SandboxInfo => {
    const status = bundleStatus({ bundle, templatesDir });
    return {
      mode,
      channels: relay.channels,
      notes: relay.notes,
      bundle: {
        path: bundle,
        ...(status.builtAt ? { builtAt: status.builtAt } : {}),
        ...(status.sizeBytes ? { sizeBytes: status.sizeBytes } : {}),
        stale: status.stale,
        ...(status.reason ? { reason: status.reason } : {}),
      },
      function: { state: lambda.state, warmInvocations: lambda.warmInvocations, node: process.version, timeoutMs },
      keyArn: stack.keyArn,
      kmsUrl: stack.kms.url,
      smtpUrl: stack.smtp.url,
      userPoolId: SAMPLE_POOL_ID,
      triggers: TRIGGERS.map((t) => ({ source: t.source, channel: t.channel, name: t.name, needsCode: t.needsCode, codeIsTemporaryPassword: t.codeIsTemporaryPassword })),
      locales: gallery.locales(),
      profiles: profiles ? Object.keys(profiles.file.profiles) : [],
      templates: { userDir: templatesDir, builtinDir },
      ...(lastBuild ? { lastBuild } : {}),
      ...(cognitoLocalInfo ? { cognitoLocal: cognitoLocalInfo } : {}),
      ...(landingUrl ? { landing: { url: landingUrl } } : {}),
    };
  };

  type RecordFacts = Pick<InvocationRecord, 'origin' | 'triggerSource' | 'trigger' | 'channel' | 'userName' | 'recipient' | 'code' | 'clientMetadata'> & {
    encryptMs: number;
  };

  /** Invokes the function with `event` and records what it did and what arrived. Run inside `enqueue`. */
  const invokeAndRecord = async (event: unknown, facts: RecordFacts): Promise<InvocationRecord> => {
    firing = true;
    try {
      const before = { email: stack.smtp.messages.length, sms: stack.sms.messages.length };
      const outcome = await lambda.invoke(event);
      const id = nextId++;
      const emails = stack.smtp.messages.slice(before.email).map((mail) => emailView(mail, id));
      const sms = stack.sms.messages.slice(before.sms).map((message) => ({ ...message, kind: 'sms' as const, invocationId: id }));
      for (const email of emails) attributed.set(`email:${email.id}`, id);
      for (const message of sms) attributed.set(`sms:${message.id}`, id);
      const deliveredLine = outcome.logs.find((line) => line.json?.['message'] === 'delivered')?.json;
      const { encryptMs, ...described } = facts;
      const record: InvocationRecord = {
        id,
        requestId: outcome.requestId,
        at: new Date().toISOString(),
        mode,
        ...described,
        ok: outcome.ok,
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(deliveredLine
          ? {
              delivered: {
                provider: String(deliveredLine['provider'] ?? ''),
                ...(deliveredLine['messageId'] ? { messageId: String(deliveredLine['messageId']) } : {}),
                ...(deliveredLine['locale'] ? { locale: String(deliveredLine['locale']) } : {}),
              },
            }
          : {}),
        coldStart: outcome.coldStart,
        timings: {
          encryptMs: round(encryptMs),
          ...(outcome.initMs === undefined ? {} : { initMs: round(outcome.initMs) }),
          durationMs: round(outcome.durationMs),
          wallMs: round(outcome.wallMs),
          ...(outcome.maxMemoryMb === undefined ? {} : { maxMemoryMb: outcome.maxMemoryMb }),
        },
        logs: outcome.logs,
        event,
        emails,
        sms,
        ...(facts.code && (emails.length > 0 || sms.length > 0) ? { codeCheck: checkCodeInMessages(facts.code, emails, sms) } : {}),
      };
      records.unshift(record);
      records.length = Math.min(records.length, MAX_RECORDS);
      server?.broadcast('invocation', { id });
      options.onInvocation?.(record);
      return record;
    } finally {
      firing = false;
    }
  };

  const fire = (request: FireRequest & { profile?: string | undefined }): Promise<InvocationRecord> => {
    // Validate before queueing, so a bad request fails at once.
    const asProfile = request.profile === undefined ? undefined : profileFields(profiles, request.profile);
    const scenario = prepareScenario(
      asProfile
        ? { ...request, attributes: { ...request.attributes, ...asProfile.userAttributes }, clientMetadata: { ...request.clientMetadata, ...asProfile.clientMetadata } }
        : request,
    );
    return enqueue(async () => {
      stack.users.put(scenario.userPoolId, scenario.userName, scenario.profile);
      const encryptStarted = performance.now();
      const event = await buildEvent(scenario, (code) => stack.encrypt(code, scenario.userPoolId));
      if (asProfile?.clientId) (event as { callerContext: { clientId: string } }).callerContext.clientId = asProfile.clientId;
      return invokeAndRecord(event, {
        origin: 'sandbox',
        encryptMs: performance.now() - encryptStarted,
        triggerSource: scenario.rule.source,
        trigger: scenario.rule.name,
        channel: scenario.rule.channel,
        userName: scenario.userName,
        recipient: scenario.rule.channel === 'email' ? scenario.profile.email : scenario.profile.phone_number,
        code: scenario.code ?? null,
        clientMetadata: scenario.clientMetadata,
      });
    });
  };

  // -------------------------------------------------------------------------------------------
  // cognito-local, started at the first sign-up through it, its trigger run by this function.

  let cognitoLocalStart: Promise<CognitoLocalRelay> | undefined;
  let cognitoLocalInfo: CognitoLocalInfo | undefined;
  let closing = false;

  /** The event cognito-local sent, recorded like a fired trigger (the code stays encrypted). */
  const invokeForCognitoLocal = (event: unknown) =>
    enqueue(async () => {
      const e = (event ?? {}) as { triggerSource?: unknown; userName?: unknown; request?: { userAttributes?: Record<string, unknown>; clientMetadata?: unknown } };
      const triggerSource = String(e.triggerSource ?? '(none)');
      const rule = findTrigger(triggerSource);
      const channel = rule?.channel ?? (triggerSource.startsWith('CustomSMSSender_') ? 'sms' : 'email');
      const recipient = e.request?.userAttributes?.[channel === 'email' ? 'email' : 'phone_number'];
      const metadata = e.request?.clientMetadata;
      return invokeAndRecord(event, {
        origin: 'cognito-local',
        encryptMs: 0,
        triggerSource,
        trigger: rule?.name ?? triggerSource,
        channel,
        userName: String(e.userName ?? ''),
        recipient: typeof recipient === 'string' ? recipient : undefined,
        code: null,
        clientMetadata: metadata && typeof metadata === 'object' ? (metadata as Record<string, string>) : null,
      });
    });

  const startCognitoLocal = (): Promise<CognitoLocalRelay> => {
    if (closing) return Promise.reject(new Error('the sandbox is closing'));
    cognitoLocalStart ??= (async () => {
      // Loaded at first use: the emulator (a development dependency) and the Cognito client stay
      // out of a sandbox that never uses them.
      const { startCognitoLocalRelay } = await import('../local/cognito-local.ts');
      const invoke = async (event: unknown) => {
        const record = await invokeForCognitoLocal(event);
        return { ok: record.ok, ...(record.error ? { error: record.error } : {}) };
      };
      const local = await startCognitoLocalRelay({ stack, relay: { kind: 'invoke', invoke } });
      cognitoLocalInfo = { url: local.cognitoUrl, version: local.cognitoLocalVersion, userPoolId: local.userPoolId, clientId: local.clientId };
      landingConfig.cognitoEndpoint = local.cognitoUrl;
      server?.broadcast('cognito-local', cognitoLocalInfo);
      options.onCognitoLocal?.(cognitoLocalInfo);
      return local;
    })().catch((error: unknown) => {
      // Let the next attempt try again (e.g. after `npm install cognito-local`).
      cognitoLocalStart = undefined;
      const message = (error as Error).message;
      if (/Cannot find (module|package) 'cognito-local'/.test(message)) {
        throw new Error('cognito-local is not installed here: run npm install --save-dev cognito-local', { cause: error });
      }
      throw error;
    });
    return cognitoLocalStart;
  };

  const cognitoLocal: SandboxCognitoLocal = {
    info: () => cognitoLocalInfo,
    async signUp({ email, password }) {
      const local = await startCognitoLocal();
      const firstId = nextId;
      // cognito-local waits for its CustomEmailSender call before it answers (Cognito does not:
      // it invokes custom senders asynchronously), so the record is there.
      const recordOfThisCall = () =>
        records.find((r) => r.origin === 'cognito-local' && r.id >= firstId && r.recipient?.toLowerCase() === email.toLowerCase());
      const { userSub } = await local.signUp(email, password);
      const record = recordOfThisCall();
      const text = record?.emails[0]?.text ?? '';
      // cognito-local's codes are six digits.
      const code = /\b(\d{6})\b/.exec(text)?.[1];
      const link = landingUrl ? text.split(/\s+/).find((word) => word.startsWith(`${landingUrl}#`)) : undefined;
      return {
        userSub,
        status: await local.userStatus(email),
        invocation: record ? { id: record.id, ok: record.ok, ...(record.error ? { error: record.error } : {}) } : undefined,
        code,
        link,
        cognitoLocal: cognitoLocalInfo!,
      };
    },
    async confirm({ email, code }) {
      const local = await startCognitoLocal();
      await local.confirmSignUp(email, code);
      return { status: await local.userStatus(email) };
    },
    async status({ email }) {
      const local = await startCognitoLocal();
      return { status: await local.userStatus(email) };
    },
    start: () => startCognitoLocal().then(() => cognitoLocalInfo!),
  };

  const stopWatching = watchTemplates([templatesDir, builtinDir], () => {
    server?.broadcast('templates', { at: new Date().toISOString() });
    const rebuild = options.rebuild;
    if (!rebuild) return;
    void enqueue(async () => {
      server?.broadcast('bundle', { state: 'building' });
      // The build empties its output folder before bundling: keep a copy, so a template that does
      // not parse leaves the last good bundle in place (and running) instead of no bundle at all.
      const bundleDir = dirname(bundle);
      const backup = existsSync(bundleDir) ? mkdtempSync(join(tmpdir(), 'cognito-relay-bundle-')) : undefined;
      if (backup) cpSync(bundleDir, backup, { recursive: true });
      try {
        const output = await rebuild();
        lastBuild = { at: new Date().toISOString(), ok: true, message: output };
      } catch (error) {
        const message = summarizeBuildFailure((error as Error).message, { dirs: [templatesDir], builtinDir });
        lastBuild = { at: new Date().toISOString(), ok: false, message };
        if (backup) {
          rmSync(bundleDir, { recursive: true, force: true });
          cpSync(backup, bundleDir, { recursive: true });
        }
      } finally {
        if (backup) rmSync(backup, { recursive: true, force: true });
      }
      // A new bundle: the next call is a cold start of it. A failed one: the warm function stays.
      if (lastBuild.ok) await lambda.restart();
      server?.broadcast('bundle', { state: lastBuild.ok ? 'rebuilt' : 'failed', message: lastBuild.message });
      options.onRebuild?.(lastBuild);
    });
  });

  const sandbox: Sandbox = {
    url: '',
    origin: '',
    galleryUrl: '',
    host: options.host ?? '127.0.0.1',
    token: undefined,
    stack,
    info,
    fire,
    invocations: () => records,
    looseMessages: () => [
      ...stack.smtp.messages.filter((m) => !attributed.has(`email:${m.id}`)).map((m) => emailView(m)),
      ...stack.sms.messages.filter((m) => !attributed.has(`sms:${m.id}`)).map((m) => ({ ...m, kind: 'sms' as const })),
    ],
    clear() {
      records.length = 0;
      for (const mail of stack.smtp.messages) attributed.set(`email:${mail.id}`, 0);
      for (const sms of stack.sms.messages) attributed.set(`sms:${sms.id}`, 0);
      server?.broadcast('cleared', {});
    },
    restartFunction: () => lambda.restart(),
    cognitoLocal,
    async close() {
      closing = true;
      stopWatching();
      await cognitoLocalStart?.then((local) => local.close()).catch(() => undefined);
      await server?.close();
      await lambda.close();
      await stack.close();
    },
  };

  try {
    server = await startSandboxServer({
      sandbox,
      gallery,
      port: options.port ?? DEFAULT_PORT,
      host: options.host ?? '127.0.0.1',
      rawEmail: (id) => stack.smtp.messages.find((m) => m.id === id)?.raw,
      landingConfig,
    });
    // The links in the emails open the landing page this server serves. Its port is known only
    // now; the function has not started yet (it starts at the first call), so it gets the setting.
    landingUrl = server.landingUrl;
    if (landingUrl) await lambda.restart({ ...lambdaEnv, LINK_BASE_URL: landingUrl });
    else relay.notes.push('Emails carry no verification link: the sandbox listens on an address a link cannot use over http (use a loopback address or 0.0.0.0)');
  } catch (error) {
    stopWatching();
    await lambda.close();
    await stack.close();
    throw error;
  }
  sandbox.url = server.url;
  sandbox.origin = server.origin;
  sandbox.token = server.token;
  sandbox.galleryUrl = server.token ? `${server.origin}/gallery?token=${server.token}` : `${server.origin}/gallery`;
  return sandbox;
}

/**
 * The function's settings checked before it starts, by the Lambda's own `loadConfig` (every
 * problem in one error), so a typo shows at `npm start` rather than at the first fire.
 */
async function validateSettings(env: Env): Promise<void> {
  const problems: string[] = [];
  // Settings kept in Secrets Manager or Parameter Store are only known once fetched, which the
  // function does with the user's credentials at its first call: then it reports them itself.
  const fromSecrets = Object.entries(env).some(([name, value]) => value && /_(?:SECRET_ARN|PARAMETER)$/.test(name));
  if (!fromSecrets) {
    try {
      await loadConfig(env, { readSecret: async ({ setting }) => Promise.reject(new Error(`${setting} is read from a secret`)) });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  // Powertools falls back to INFO on a level it does not know: say so instead of ignoring it.
  const level = env.LOG_LEVEL?.trim();
  if (level && !Object.hasOwn(LogLevel, level.toUpperCase()) && !problems.some((problem) => problem.includes('LOG_LEVEL'))) {
    problems.push(`LOG_LEVEL "${level}" is not a log level; use one of ${Object.keys(LogLevel).join(', ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** relay.config.json as the sandbox's bundle was built with it (RELAY_CONFIG, else the repository's). */
function readSandboxProfiles(env: Env): SandboxProfiles | undefined {
  const path = relayConfigPath(env);
  if (!existsSync(path)) return undefined;
  const { config, problems } = parseRelayConfigFile(readFileSync(path, 'utf8'), {}, path);
  if (!config) throw new ConfigError(problems);
  const references: Record<string, string> = {};
  for (const route of config.routes) {
    for (const id of [route.clientId ?? []].flat()) {
      const name = /^\$\{([A-Z][A-Z0-9_]*)\}$/.exec(id)?.[1];
      if (name) references[name] = env[name]?.trim() || `local-${name.toLowerCase().replace(/_/g, '-')}`;
    }
  }
  return { file: resolveClientIdReferences(config, references), path, references };
}

interface SandboxProfiles {
  file: RelayFileConfig;
  path: string;
  /** Values of the ${VARIABLE}s the routes name. */
  references: Record<string, string>;
}

/** The event fields that route to `profile`; a RelayError naming the profiles when there is none. */
function profileFields(profiles: SandboxProfiles | undefined, profile: string) {
  if (!profiles) throw new RelayError('UNKNOWN_PROFILE', `no relay.config.json (set RELAY_CONFIG): cannot fire as profile "${profile}"`);
  const fields = eventFieldsForProfile(profiles.file.routes, profiles.file.default, profile);
  if (!fields) throw new RelayError('UNKNOWN_PROFILE', `no route leads to profile "${profile}" in ${profiles.path}; profiles are ${Object.keys(profiles.file.profiles).join(', ')}`);
  return fields;
}
