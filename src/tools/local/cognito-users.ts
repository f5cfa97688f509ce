/**
 * A loopback stand-in for the one Cognito call the relay makes: `AdminGetUser` (JSON 1.1,
 * SigV4-signed by the SDK). An AccountTakeOverNotification event carries no email, so the relay
 * looks the user up; in the sandbox it finds the user the form described
 * (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` points here), through the SDK code it uses in
 * production.
 *
 * @example
 * const users = await startCognitoUsers();
 * users.put('eu-west-1_AbCdEf123', 'ada', { email: 'ada@example.com', given_name: 'Ada' });
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { listenOrExplain } from './listen.ts';

export interface CognitoUsers {
  /** Base URL for `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`. */
  url: string;
  /** Adds or replaces a user; attributes as Cognito names them (`email`, `custom:plan`…). */
  put(userPoolId: string, userName: string, attributes: Record<string, string>): void;
  /** How many AdminGetUser calls were answered (found or not). */
  readonly lookups: number;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

export async function startCognitoUsers(options: { port?: number; host?: string } = {}): Promise<CognitoUsers> {
  const users = new Map<string, { attributes: Record<string, string>; created: number }>();
  const sockets = new Set<Socket>();
  let lookups = 0;
  const keyOf = (pool: string, user: string) => `${pool}\n${user}`;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': JSON_11 }).end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (!request.headers.authorization?.startsWith('AWS4-HMAC-SHA256')) {
      send(response, 400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
      return;
    }
    if (target !== 'AWSCognitoIdentityProviderService.AdminGetUser') {
      send(response, 400, { __type: 'UnknownOperationException', message: `the sandbox answers AdminGetUser only, not ${target || '(no target)'}` });
      return;
    }
    lookups += 1;
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { UserPoolId?: string; Username?: string };
    const user = users.get(keyOf(input.UserPoolId ?? '', input.Username ?? ''));
    if (!user) {
      send(response, 400, { __type: 'UserNotFoundException', message: 'User does not exist.' });
      return;
    }
    const seconds = user.created / 1000;
    send(response, 200, {
      Username: input.Username,
      UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
      UserCreateDate: seconds,
      UserLastModifiedDate: seconds,
      Enabled: true,
      UserStatus: 'CONFIRMED',
    });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { __type: 'InternalErrorException', message: (error as Error).message });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listenOrExplain(server, { port: options.port ?? 0, host: options.host ?? '127.0.0.1', what: 'Cognito stand-in' });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    put(userPoolId, userName, attributes) {
      users.set(keyOf(userPoolId, userName), { attributes: { ...attributes }, created: Date.now() });
    },
    get lookups() {
      return lookups;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
