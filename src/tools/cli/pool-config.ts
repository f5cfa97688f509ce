/**
 * Pure logic behind `cognito-relay attach | detach | doctor`: turn a DescribeUserPool answer into
 * an UpdateUserPool request that changes nothing but the custom senders, and show the difference.
 *
 * Why this is delicate: UpdateUserPool resets every setting it is not given to its
 * default — LambdaConfig included, so a partial update silently removes every other trigger, and
 * omitting DeletionProtection or UserPoolTier quietly weakens or re-tiers the pool. So we send back
 * everything UpdateUserPool accepts, exactly as DescribeUserPool returned it, and change only our
 * two triggers and the key.
 *
 * No I/O here: the commands do the AWS calls, this module decides.
 */
import { UpdateUserPoolRequest$, UserPoolType$ } from '@aws-sdk/client-cognito-identity-provider';
import { NormalizedSchema } from '@smithy/core/schema';
import type {
  LambdaConfigType,
  UpdateUserPoolRequest,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { RelayError } from '../../runtime/errors.ts';
import { isKmsKeyArn } from '../../runtime/crypto/key-arn.ts';

/** A refusal: the pool or the arguments are in a state where updating would do harm. */
export class PoolConfigError extends RelayError {
  override readonly name = 'PoolConfigError';

  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * UpdateUserPool's members, read at run time from the installed SDK's own model of
 * `UpdateUserPoolRequest` (the schema the SDK serializes requests with), so a member the API gains
 * is carried as soon as the SDK knows it. A hand-kept copy went stale once: KeyConfiguration,
 * IssuerConfiguration and AcrConfiguration were treated as read-only and reset by every attach.
 */
export const UPDATE_MEMBERS: readonly string[] = structMembers(UpdateUserPoolRequest$, 'UpdateUserPoolRequest');

/** DescribeUserPool's `UserPool` members, from the same SDK model (`UserPoolType`). */
export const DESCRIBE_MEMBERS: readonly string[] = structMembers(UserPoolType$, 'UserPoolType');

/** Update members whose DescribeUserPool counterpart has another name. */
const RENAMED = { UserPoolId: 'Id', PoolName: 'Name' } as const;

/**
 * Fields of DescribeUserPool's `UserPool` sent back under the same name: every UpdateUserPool
 * member except the renamed pool ID and name.
 */
export const UPDATABLE_FIELDS = UPDATE_MEMBERS.filter((member) => !(member in RENAMED)) as readonly (keyof UserPoolType &
  keyof UpdateUserPoolRequest)[];

/**
 * The one hand-kept list: DescribeUserPool fields UpdateUserPool does not take (set at creation or
 * by other APIs). `Id` and `Name` are sent back as `UserPoolId` / `PoolName`. A field in neither
 * this list nor the SDK's UpdateUserPoolRequest makes attach and detach refuse to run.
 */
export const READ_ONLY_FIELDS = [
  'Arn',
  'CreationDate',
  'CustomDomain',
  'Domain',
  'EmailConfigurationFailure',
  'EstimatedNumberOfUsers',
  'LastModifiedDate',
  'SchemaAttributes',
  'SmsConfigurationFailure',
  'Status',
  'AliasAttributes',
  'UsernameAttributes',
  'UsernameConfiguration',
] as const;

function structMembers(schema: unknown, name: string): string[] {
  try {
    return [...NormalizedSchema.of(schema as never).structIterator()].map(([member]) => member);
  } catch (error) {
    throw new PoolConfigError(
      'SDK_MODEL_MISSING',
      `@aws-sdk/client-cognito-identity-provider no longer exposes its ${name} model ` +
        `(${(error as Error).message}); attach and detach cannot tell which settings to send back.`,
    );
  }
}

/**
 * Where the tool's knowledge of the pool is incomplete, as names: DescribeUserPool fields it
 * neither sends back nor knows to be read-only, and UpdateUserPool members DescribeUserPool
 * cannot return (their value cannot be carried, so UpdateUserPool would reset them).
 */
export function unknownPoolFields(describedFields: Iterable<string>): string[] {
  const known = new Set<string>([...UPDATABLE_FIELDS, ...Object.values(RENAMED), ...READ_ONLY_FIELDS]);
  const describable = new Set<string>(DESCRIBE_MEMBERS);
  const unknown = [...new Set(describedFields)].filter((field) => !known.has(field));
  const uncarriable = UPDATABLE_FIELDS.filter((member) => !describable.has(member)).map(
    (member) => `${member} (an UpdateUserPool member DescribeUserPool does not return)`,
  );
  return [...unknown.sort(), ...uncarriable];
}

/** Per described pool: the paths of its raw answer the SDK dropped (see `noteUnmodelledFields`). */
const unmodelledByPool = new WeakMap<UserPoolType, readonly string[]>();

/**
 * Records, for a pool parsed from a DescribeUserPool answer, the `unmodelledPaths()` of that raw
 * answer. `toUpdateInput(pool)` then refuses the pool, since the request would not carry them.
 */
export function noteUnmodelledFields(pool: UserPoolType, paths: readonly string[]): void {
  unmodelledByPool.set(pool, [...paths]);
}

/**
 * Paths in a raw DescribeUserPool answer (the JSON on the wire) that the installed SDK's model does
 * not know, e.g. `UserPool.LambdaConfig.NewTrigger`. The SDK drops those while parsing, so the
 * request built from the parsed pool would leave them out and UpdateUserPool would reset them.
 */
export function unmodelledPaths(rawUserPool: unknown): string[] {
  const paths: string[] = [];
  walk(NormalizedSchema.of(UserPoolType$ as never), rawUserPool, 'UserPool', paths);
  return paths;
}

function walk(schema: NormalizedSchema, value: unknown, path: string, paths: string[]): void {
  if (value === null || value === undefined) return;
  if (schema.isStructSchema() && typeof value === 'object' && !Array.isArray(value)) {
    const members = new Map(schema.structIterator());
    for (const [key, child] of Object.entries(value)) {
      const member = members.get(key);
      if (member) walk(member, child, `${path}.${key}`, paths);
      else paths.push(`${path}.${key}`);
    }
  } else if (schema.isListSchema() && Array.isArray(value)) {
    value.forEach((item, index) => walk(schema.getValueSchema(), item, `${path}[${index}]`, paths));
  } else if (schema.isMapSchema() && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) walk(schema.getValueSchema(), child, `${path}.${key}`, paths);
  }
}

export type Senders = { email: boolean; sms: boolean };

/** What building an UpdateUserPool request from a described pool left out, and why. */
export interface UpdateInputReport {
  input: UpdateUserPoolRequest;
  /** Describe-only fields that are not sent back (they cannot be changed by UpdateUserPool). */
  readOnly: string[];
  /** Human-readable notes about adjustments made so the request is accepted. */
  notes: string[];
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):([0-9]{12}|[a-z]+)?:(.+)$/;

export interface ParsedArn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** Splits an ARN, or returns undefined when the text is not one. */
export function parseArn(text: string): ParsedArn | undefined {
  const match = ARN.exec(text);
  if (!match) return undefined;
  const [, partition = '', service = '', region = '', account = '', resource = ''] = match;
  return { partition, service, region, account, resource };
}

// The relay's one key-ARN rule: the Lambda refuses at cold start what this refuses.
export { isKmsKeyArn };

/** A Lambda function ARN, optionally with a version or alias qualifier. */
export function isLambdaArn(text: string): boolean {
  return /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$/.test(
    text,
  );
}

/** The `LambdaConfig` keys cognito-relay owns. Every other key belongs to the user. */
export const OWN_TRIGGER_KEYS = ['CustomEmailSender', 'CustomSMSSender', 'KMSKeyID'] as const;

/**
 * Builds the UpdateUserPool request that would leave the pool exactly as it is.
 *
 * @throws PoolConfigError when the described pool has a field this version or the SDK does not
 *   know (noted by `noteUnmodelledFields`; UpdateUserPool would reset it) or an inconsistent
 *   pre-token-generation trigger.
 * @example
 *   const { input } = toUpdateInput((await cognito.send(new DescribeUserPoolCommand(...))).UserPool);
 */
export function toUpdateInput(pool: UserPoolType): UpdateInputReport {
  if (!pool.Id) throw new PoolConfigError('POOL_INVALID', 'DescribeUserPool returned no pool Id');
  const notes: string[] = [];
  const readOnly: string[] = [];
  const input: UpdateUserPoolRequest = { UserPoolId: pool.Id };
  const writable = input as unknown as Record<string, unknown>;
  const updatable = new Set<string>(UPDATABLE_FIELDS);
  const describeOnly = new Set<string>(READ_ONLY_FIELDS);

  const present = Object.entries(pool).filter(([, value]) => value !== undefined);
  const unknown = [...unknownPoolFields(present.map(([key]) => key)), ...(unmodelledByPool.get(pool) ?? [])];
  if (unknown.length > 0) {
    throw new PoolConfigError(
      'POOL_UNKNOWN_FIELDS',
      `DescribeUserPool returned ${unknown.join(', ')}, which this version of cognito-relay does not ` +
        'know how to send back. UpdateUserPool would reset it, so nothing was changed. Update ' +
        'cognito-relay and @aws-sdk/client-cognito-identity-provider, or wire the triggers with your ' +
        'infrastructure code.',
    );
  }
  for (const [key, value] of present) {
    if (updatable.has(key)) writable[key] = structuredClone(value);
    else if (describeOnly.has(key)) readOnly.push(key);
  }
  // Sent back so newer API versions keep the name; older ones treat it as unchanged.
  if (pool.Name) input.PoolName = pool.Name;

  const unused = input.AdminCreateUserConfig?.UnusedAccountValidityDays;
  if (input.AdminCreateUserConfig && unused !== undefined) {
    // Cognito rejects it on update ("Please use TemporaryPasswordValidityDays…"); the
    // value already lives in Policies.PasswordPolicy.TemporaryPasswordValidityDays.
    delete input.AdminCreateUserConfig.UnusedAccountValidityDays;
    notes.push(
      'AdminCreateUserConfig.UnusedAccountValidityDays is not sent: UpdateUserPool rejects it ' +
        '(Policies.PasswordPolicy.TemporaryPasswordValidityDays holds the same setting).',
    );
  }
  if (!input.UserPoolTier) {
    notes.push(
      'DescribeUserPool did not say which tier the pool is on (UserPoolTier), so it cannot be ' +
        'sent back; AWS always returns it, some emulators do not.',
    );
  }
  if (input.LambdaConfig) input.LambdaConfig = reconcilePreTokenGeneration(input.LambdaConfig, notes);
  return { input, readOnly, notes };
}

/**
 * `PreTokenGeneration` and `PreTokenGenerationConfig.LambdaArn` must name the same function when
 * both are sent. Fill the legacy field from the config when only the config is set;
 * refuse when they disagree, because any update would then be rejected or pick one silently.
 */
function reconcilePreTokenGeneration(config: LambdaConfigType, notes: string[]): LambdaConfigType {
  const legacy = config.PreTokenGeneration;
  const versioned = config.PreTokenGenerationConfig?.LambdaArn;
  if (versioned && legacy && versioned !== legacy) {
    throw new PoolConfigError(
      'POOL_PRE_TOKEN_MISMATCH',
      `LambdaConfig.PreTokenGeneration (${legacy}) and PreTokenGenerationConfig.LambdaArn ` +
        `(${versioned}) name different functions; UpdateUserPool rejects that. Make them match ` +
        'first, then run this again. Nothing was changed.',
    );
  }
  if (versioned && !legacy) {
    notes.push('LambdaConfig.PreTokenGeneration is set to PreTokenGenerationConfig.LambdaArn so both match.');
    return { ...config, PreTokenGeneration: versioned };
  }
  return config;
}

export interface AttachOptions extends Senders {
  functionArn: string;
  keyArn: string;
}

/**
 * Returns a copy of `input` whose LambdaConfig also points the chosen custom senders at the relay
 * and sets `KMSKeyID`; every other trigger stays as it was.
 *
 * @throws PoolConfigError when an ARN is malformed, or when changing the key would break a custom
 *   sender that is not being replaced (it was encrypting with the old key's data keys).
 * @example
 *   const after = attachSenders(input, { functionArn, keyArn, email: true, sms: true });
 */
export function attachSenders(input: UpdateUserPoolRequest, options: AttachOptions): UpdateUserPoolRequest {
  if (!isKmsKeyArn(options.keyArn)) {
    throw new PoolConfigError(
      'KEY_NOT_ARN',
      `"${options.keyArn}" is not a KMS key ARN. Cognito needs the full key ARN ` +
        '(arn:aws:kms:<region>:<account>:key/<key-id>); a key ID or an alias is rejected or never ' +
        'matches. Find it with: aws kms describe-key --key-id <id-or-alias> --query KeyMetadata.Arn',
    );
  }
  if (!isLambdaArn(options.functionArn)) {
    throw new PoolConfigError(
      'FUNCTION_NOT_ARN',
      `"${options.functionArn}" is not a Lambda function ARN ` +
        '(arn:aws:lambda:<region>:<account>:function:<name>). Find it with: ' +
        'aws lambda get-function --function-name <name> --query Configuration.FunctionArn',
    );
  }
  if (!options.email && !options.sms) {
    throw new PoolConfigError('NOTHING_TO_ATTACH', 'Choose at least one of email or SMS.');
  }
  const current = input.LambdaConfig ?? {};
  const keyChanges = current.KMSKeyID !== undefined && current.KMSKeyID !== options.keyArn;
  if (keyChanges) {
    // A sender we leave in place keeps receiving codes encrypted under the new key: it breaks.
    const kept = [
      !options.email && current.CustomEmailSender ? 'CustomEmailSender' : undefined,
      !options.sms && current.CustomSMSSender ? 'CustomSMSSender' : undefined,
    ].filter((name) => name !== undefined);
    if (kept.length > 0) {
      throw new PoolConfigError(
        'KEY_CONFLICT',
        `The pool's ${kept.join(' and ')} uses key ${current.KMSKeyID}; switching the pool to ` +
          `${options.keyArn} would stop it decrypting codes. Attach both channels, or use the same key.`,
      );
    }
  }
  const sender = { LambdaArn: options.functionArn, LambdaVersion: 'V1_0' as const };
  const lambdaConfig: LambdaConfigType = { ...structuredClone(current), KMSKeyID: options.keyArn };
  if (options.email) lambdaConfig.CustomEmailSender = { ...sender };
  if (options.sms) lambdaConfig.CustomSMSSender = { ...sender };
  return { ...structuredClone(input), LambdaConfig: lambdaConfig };
}

export interface DetachOptions extends Senders {
  /** When given, only senders pointing at this function are removed. */
  functionArn?: string | undefined;
}

export interface DetachResult {
  input: UpdateUserPoolRequest;
  removed: string[];
  /** Senders left in place because they point at another function. */
  skipped: string[];
}

/**
 * Returns a copy of `input` without the chosen custom senders, and without `KMSKeyID` once no
 * custom sender is left (nothing else uses it). Every other trigger stays.
 */
export function detachSenders(input: UpdateUserPoolRequest, options: DetachOptions): DetachResult {
  const lambdaConfig: LambdaConfigType = structuredClone(input.LambdaConfig ?? {});
  const removed: string[] = [];
  const skipped: string[] = [];
  const chosen = [
    options.email ? ('CustomEmailSender' as const) : undefined,
    options.sms ? ('CustomSMSSender' as const) : undefined,
  ].filter((key) => key !== undefined);
  for (const key of chosen) {
    const sender = lambdaConfig[key];
    if (!sender) continue;
    if (options.functionArn !== undefined && sender.LambdaArn !== options.functionArn) {
      skipped.push(`${key} (points at ${sender.LambdaArn ?? 'no function'})`);
      continue;
    }
    delete lambdaConfig[key];
    removed.push(key);
  }
  if (!lambdaConfig.CustomEmailSender && !lambdaConfig.CustomSMSSender && lambdaConfig.KMSKeyID) {
    delete lambdaConfig.KMSKeyID;
    removed.push('KMSKeyID');
  }
  return { input: { ...structuredClone(input), LambdaConfig: lambdaConfig }, removed, skipped };
}

export interface DiffEntry {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * Every leaf path whose value differs between two plain objects, sorted by path. Arrays are
 * compared as whole values (UpdateUserPool replaces them whole too).
 */
export function diffPaths(before: unknown, after: unknown, prefix = ''): DiffEntry[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) =>
      diffPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key),
    );
  }
  if (isPlainObject(before) && after === undefined) return diffPaths(before, {}, prefix);
  if (before === undefined && isPlainObject(after)) return diffPaths({}, after, prefix);
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: prefix, before, after }];
}

/** One line per change: `+ added`, `- removed`, `~ changed: before → after`. */
export function formatDiff(entries: readonly DiffEntry[]): string {
  if (entries.length === 0) return '  (no changes)\n';
  return entries
    .map(({ path, before, after }) => {
      if (before === undefined) return `  + ${path}: ${show(after)}\n`;
      if (after === undefined) return `  - ${path}: ${show(before)}\n`;
      return `  ~ ${path}: ${show(before)} → ${show(after)}\n`;
    })
    .join('');
}

/**
 * The "before" side of a diff: the pool as UpdateUserPool would see it if sent back unchanged,
 * before any adjustment (so dropping UnusedAccountValidityDays shows up in the diff too).
 */
export function currentState(pool: UserPoolType): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  for (const key of UPDATABLE_FIELDS) {
    if (pool[key] !== undefined) state[key] = structuredClone(pool[key]);
  }
  if (pool.Name) state['PoolName'] = pool.Name;
  return state;
}

/** The request minus `UserPoolId` (which names the pool and is never a change). */
export function requestState(input: UpdateUserPoolRequest): Record<string, unknown> {
  const { UserPoolId: _id, ...rest } = input;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

// ---------------------------------------------------------------------------------------------
// The Lambda resource policy: may Cognito invoke the function for this pool?
// ---------------------------------------------------------------------------------------------

export type InvokePermission =
  /** `sourceAccount`: the statement also pins `aws:SourceAccount`, as AWS recommends beside SourceArn. */
  | { status: 'scoped'; statementId: string; sourceAccount: boolean }
  /** Allowed, but without SourceArn: any pool in any account could invoke it (confused deputy). */
  | { status: 'unscoped'; statementId: string }
  | { status: 'missing' };

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: string | { Service?: string | string[] };
  Action?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Reads a Lambda resource policy (the JSON text GetPolicy returns) and says whether
 * `cognito-idp.amazonaws.com` may invoke the function on behalf of `poolArn`.
 */
export function findInvokePermission(policyText: string | undefined, poolArn: string): InvokePermission {
  if (!policyText) return { status: 'missing' };
  let statements: PolicyStatement[];
  try {
    const parsed = JSON.parse(policyText) as { Statement?: PolicyStatement | PolicyStatement[] };
    statements = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  } catch {
    return { status: 'missing' };
  }
  let unscoped: InvokePermission | undefined;
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    if (!list(typeof statement.Principal === 'object' ? statement.Principal.Service : statement.Principal).includes('cognito-idp.amazonaws.com')) continue;
    if (!list(statement.Action).some((action) => action === 'lambda:InvokeFunction' || action === 'lambda:*')) continue;
    const sourceArns = Object.entries(statement.Condition ?? {})
      .filter(([operator]) => /^Arn(Like|Equals)$|^String(Like|Equals)$/.test(operator))
      .flatMap(([, conditions]) =>
        Object.entries(conditions)
          .filter(([key]) => key.toLowerCase() === 'aws:sourcearn')
          .flatMap(([, value]) => list(value)),
      );
    const statementId = statement.Sid ?? '(no Sid)';
    const sourceAccount = Object.values(statement.Condition ?? {}).some((conditions) =>
      Object.keys(conditions).some((key) => key.toLowerCase() === 'aws:sourceaccount'),
    );
    if (sourceArns.length === 0) {
      unscoped ??= { status: 'unscoped', statementId };
      continue;
    }
    if (sourceArns.some((pattern) => wildcardMatch(pattern, poolArn))) return { status: 'scoped', statementId, sourceAccount };
  }
  return unscoped ?? { status: 'missing' };
}

/** The exact AWS CLI command that grants Cognito (this pool only) the right to invoke. */
export function addPermissionCommand(functionArn: string, poolArn: string): string {
  const pool = parseArn(poolArn);
  const poolId = pool?.resource.replace(/^userpool\//, '') ?? 'pool';
  return [
    'aws lambda add-permission',
    `--function-name ${functionArn}`,
    `--statement-id cognito-relay-${poolId.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    '--action lambda:InvokeFunction',
    '--principal cognito-idp.amazonaws.com',
    `--source-arn ${poolArn}`,
    `--source-account ${pool?.account ?? '<account-id>'}`,
    ...(pool?.region ? [`--region ${pool.region}`] : []),
  ].join(' ');
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** IAM-style `*` / `?` wildcard match. */
function wildcardMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(
    `^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`,
  );
  return regex.test(text);
}
