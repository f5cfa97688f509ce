/**
 * A loopback user pool with the UpdateUserPool semantics AWS documents and cognito-local does not
 * fully have (it stores neither KeyConfiguration nor IssuerConfiguration, AcrConfiguration,
 * DcrConfiguration, UserPoolTier or DeletionProtection): UpdateUserPool replaces every member it
 * takes, and a member left out goes back to its default. DcrConfiguration is the documented
 * exception (kept when omitted). Speaks Cognito's JSON 1.1 protocol, so the real SDK client, its
 * serializer and its parser run unchanged.
 *
 * Which members UpdateUserPool takes is read from the SDK's model, like the code under test does:
 * what this stand-in adds is the reset-on-omission behaviour, the rejections AWS documents, and a
 * record of every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UpdateUserPoolRequest$, UserPoolType$ } from '@aws-sdk/client-cognito-identity-provider';
import { NormalizedSchema } from '@smithy/core/schema';

type Json = Record<string, unknown>;

export interface PoolStandin {
  url: string;
  /** The pool as DescribeUserPool returns it (wire JSON: dates as epoch seconds). */
  pool: Json;
  /** Fields added to DescribeUserPool's answer only (e.g. a setting newer than the SDK). */
  extraWireFields: Json;
  /** Every UpdateUserPool request body, in order. */
  updates: Json[];
  /** Every operation called, e.g. `DescribeUserPool`. */
  calls: string[];
  close(): Promise<void>;
}

/** What a member goes back to when UpdateUserPool omits it (absent when not listed). */
const DEFAULTS: Json = { DeletionProtection: 'INACTIVE', MfaConfiguration: 'OFF', UserPoolTier: 'ESSENTIALS' };
/** UpdateUserPool members named differently in DescribeUserPool. */
const DESCRIBE_NAME: Record<string, string> = { UserPoolId: 'Id', PoolName: 'Name' };
/** Documented as kept when omitted from UpdateUserPool. */
const KEPT_WHEN_OMITTED = new Set(['DcrConfiguration']);

export function updateMembers(): string[] {
  return [...NormalizedSchema.of(UpdateUserPoolRequest$ as never).structIterator()].map(([name]) => name);
}

/**
 * A value for every member of DescribeUserPool's `UserPool`, nested members included, made from the
 * SDK's model (so a member the SDK gains is seeded too), in wire form. Enumerations get placeholder
 * strings: this stand-in stores values, it does not validate them.
 */
export function seedEveryMember(): Json {
  const pool = sample(NormalizedSchema.of(UserPoolType$ as never), 'UserPool', 0) as Json;
  const lambdaConfig = pool.LambdaConfig as Json;
  // Cognito's own rules, so the pool is one UpdateUserPool would accept: the custom senders are
  // what the tests attach, and PreTokenGeneration must name PreTokenGenerationConfig's function.
  delete lambdaConfig.CustomEmailSender;
  delete lambdaConfig.CustomSMSSender;
  delete lambdaConfig.KMSKeyID;
  lambdaConfig.PreTokenGeneration = (lambdaConfig.PreTokenGenerationConfig as Json).LambdaArn;
  delete (pool.AdminCreateUserConfig as Json).UnusedAccountValidityDays;
  return {
    ...pool,
    Id: 'eu-west-1_Seed12345',
    Name: 'every-member-pool',
    Arn: 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_Seed12345',
    DeletionProtection: 'ACTIVE',
    UserPoolTier: 'PLUS',
    MfaConfiguration: 'OPTIONAL',
  };
}

function sample(schema: NormalizedSchema, name: string, depth: number): unknown {
  if (depth > 8) throw new Error(`the model nests deeper than expected at ${name}`);
  if (schema.isStructSchema()) {
    return Object.fromEntries([...schema.structIterator()].map(([member, memberSchema]) => [member, sample(memberSchema, member, depth + 1)]));
  }
  if (schema.isListSchema()) return [sample(schema.getValueSchema(), name, depth + 1)];
  if (schema.isMapSchema()) return { [`${name}-key`]: sample(schema.getValueSchema(), name, depth + 1) };
  if (schema.isBooleanSchema()) return true;
  if (schema.isNumericSchema()) return 3;
  if (schema.isTimestampSchema()) return 1_700_000_000;
  return `${name}-seed`;
}

export async function startPoolStandin(pool: Json): Promise<PoolStandin> {
  const members = updateMembers();
  const sockets = new Set<Socket>();
  const standin: PoolStandin = { url: '', pool, extraWireFields: {}, updates: [], calls: [], close: async () => undefined };

  const send = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
  };
  const fault = (response: ServerResponse, type: string, message: string): void => send(response, 400, { __type: type, message });

  function update(request: Json): string | undefined {
    const adminCreateUser = request.AdminCreateUserConfig as Json | undefined;
    if (adminCreateUser && 'UnusedAccountValidityDays' in adminCreateUser) {
      return 'Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays';
    }
    const lambdaConfig = request.LambdaConfig as Json | undefined;
    const versioned = (lambdaConfig?.PreTokenGenerationConfig as Json | undefined)?.LambdaArn;
    if (versioned !== undefined && lambdaConfig?.PreTokenGeneration !== undefined && versioned !== lambdaConfig.PreTokenGeneration) {
      return 'PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must match';
    }
    for (const member of members) {
      if (member === 'UserPoolId') continue;
      const field = DESCRIBE_NAME[member] ?? member;
      if (request[member] !== undefined) standin.pool[field] = structuredClone(request[member]);
      else if (member === 'PoolName' || KEPT_WHEN_OMITTED.has(member)) continue;
      else if (DEFAULTS[member] !== undefined) standin.pool[field] = DEFAULTS[member];
      else delete standin.pool[field];
    }
    standin.pool.LastModifiedDate = Math.floor(Date.now() / 1000);
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AWSCognitoIdentityProviderService\./, '');
    standin.calls.push(operation);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
    if (operation !== 'DescribeUserPool' && operation !== 'UpdateUserPool') {
      return fault(response, 'UnknownOperationException', `the pool stand-in does not serve ${target}`);
    }
    if (body.UserPoolId !== standin.pool.Id) {
      return fault(response, 'ResourceNotFoundException', `User pool ${String(body.UserPoolId)} does not exist.`);
    }
    if (operation === 'DescribeUserPool') return send(response, 200, { UserPool: { ...standin.pool, ...standin.extraWireFields } });
    standin.updates.push(body);
    const refused = update(body);
    if (refused) return fault(response, 'InvalidParameterException', refused);
    return send(response, 200, {});
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { __type: 'InternalErrorException', message: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standin.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return standin;
}
