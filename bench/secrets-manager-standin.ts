/**
 * A loopback Secrets Manager for the benchmark: JSON 1.1 `secretsmanager.GetSecretValue`, enough
 * for Powertools' `getSecret` and `@aws-sdk/client-secrets-manager` to run unchanged with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. It lets the bench measure the cold start of the recommended
 * deployment, where provider keys come from `<NAME>_SECRET_ARN`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SecretsManagerStandIn {
  url: string;
  /** Secret ARN → SecretString. */
  secrets: Map<string, string>;
  /** GetSecretValue requests received. */
  readonly reads: number;
  close(): Promise<void>;
}

export async function startSecretsManagerStandIn(): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, string>();
  let reads = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        answer(400, { __type: 'UnknownOperationException', message: `not served: ${request.headers['x-amz-target']}` });
        return;
      }
      // Only signed requests, as the real service: proves the SDK's SigV4 ran.
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        answer(400, { __type: 'MissingAuthenticationTokenException', message: 'unsigned request' });
        return;
      }
      reads += 1;
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string };
      const value = SecretId === undefined ? undefined : secrets.get(SecretId);
      if (value === undefined) {
        answer(400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        return;
      }
      answer(200, { ARN: SecretId, Name: SecretId?.split(':').pop(), SecretString: value, VersionId: 'bench-version', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    get reads() {
      return reads;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
