/**
 * A loopback stand-in for the few read-only AWS calls `attach` and `doctor` make that the Cognito
 * emulator (cognito-local) does not cover:
 *   Lambda  GetPolicy, GetFunctionConfiguration, GetFunctionEventInvokeConfig (REST JSON)
 *   KMS     DescribeKey                                                     (JSON 1.1, POST /)
 * Real HTTP on 127.0.0.1:<port 0>, spoken to by the real AWS SDK clients, answering in the wire
 * format the SDK parses — including the error shapes (ResourceNotFoundException, NotFoundException).
 * Tests put functions and keys in, the commands read them out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinFunction {
  configuration: {
    FunctionArn: string;
    FunctionName?: string;
    Runtime?: string;
    Handler?: string;
    State?: string;
    Architectures?: string[];
    Environment?: { Variables: Record<string, string> };
  };
  /** The resource policy document; absent → GetPolicy answers ResourceNotFoundException. */
  policy?: { Version: string; Statement: unknown[] };
  eventInvokeConfig?: {
    MaximumRetryAttempts?: number;
    MaximumEventAgeInSeconds?: number;
    DestinationConfig?: { OnFailure?: { Destination?: string } };
  };
}

export interface StandinKey {
  Arn: string;
  KeyId: string;
  KeyState: string;
  Enabled: boolean;
  KeySpec: string;
  KeyUsage: string;
}

export interface LambdaStandin {
  url: string;
  functions: Map<string, StandinFunction>;
  keys: Map<string, StandinKey>;
  /** Every request seen, as `METHOD path` or `KMS.<Target>`, for asserting what was (not) called. */
  calls: string[];
  close(): Promise<void>;
}

/** The policy statement `aws lambda add-permission … --source-arn --source-account` creates. */
export function cognitoInvokeStatement(functionArn: string, poolArn: string, account: string, sid = 'cognito-relay') {
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: 'cognito-idp.amazonaws.com' },
    Action: 'lambda:InvokeFunction',
    Resource: functionArn,
    Condition: { StringEquals: { 'AWS:SourceAccount': account }, ArnLike: { 'AWS:SourceArn': poolArn } },
  };
}

export async function startLambdaStandin(): Promise<LambdaStandin> {
  const functions = new Map<string, StandinFunction>();
  const keys = new Map<string, StandinKey>();
  const calls: string[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && typeof target === 'string' && target.startsWith('TrentService.')) {
      calls.push(`KMS.${target.slice('TrentService.'.length)}`);
      return kms(target.slice('TrentService.'.length), JSON.parse(body || '{}') as { KeyId?: string }, res);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    calls.push(`${req.method} ${url.pathname}`);
    const match = /^\/(2015-03-31|2019-09-25)\/functions\/([^/]+)\/(policy|configuration|event-invoke-config)$/.exec(url.pathname);
    if (!match || req.method !== 'GET') return send(res, 404, { message: `stand-in: no route for ${req.method} ${url.pathname}` });
    const fn = findFunction(decodeURIComponent(match[2] ?? ''));
    if (!fn) return lambdaNotFound(res, `Function not found: ${decodeURIComponent(match[2] ?? '')}`);
    switch (match[3]) {
      case 'policy':
        if (!fn.policy) return lambdaNotFound(res, 'The resource you requested does not exist.');
        return send(res, 200, { Policy: JSON.stringify(fn.policy), RevisionId: 'standin-revision' });
      case 'configuration':
        return send(res, 200, fn.configuration);
      default:
        if (!fn.eventInvokeConfig) return lambdaNotFound(res, `The function ${fn.configuration.FunctionArn} doesn't have an EventInvokeConfig`);
        return send(res, 200, { FunctionArn: fn.configuration.FunctionArn, LastModified: 1_700_000_000, ...fn.eventInvokeConfig });
    }
  }

  /** Lambda accepts a name, an ARN or a qualified ARN; the stand-in matches ARN or name. */
  function findFunction(nameOrArn: string): StandinFunction | undefined {
    const exact = functions.get(nameOrArn);
    if (exact) return exact;
    return [...functions.values()].find((fn) => fn.configuration.FunctionName === nameOrArn);
  }

  function kms(operation: string, input: { KeyId?: string }, res: ServerResponse): void {
    if (operation !== 'DescribeKey') {
      return send(res, 400, { __type: 'UnsupportedOperationException', message: `stand-in: ${operation}` }, 'application/x-amz-json-1.1');
    }
    const key = keys.get(input.KeyId ?? '');
    if (!key) return send(res, 400, { __type: 'NotFoundException', message: `Key '${input.KeyId}' does not exist` }, 'application/x-amz-json-1.1');
    return send(res, 200, { KeyMetadata: { ...key, KeyManager: 'CUSTOMER', Origin: 'AWS_KMS' } }, 'application/x-amz-json-1.1');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    functions,
    keys,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function lambdaNotFound(res: ServerResponse, message: string): void {
  res.setHeader('x-amzn-errortype', 'ResourceNotFoundException');
  send(res, 404, { Type: 'User', Message: message });
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
