import { CognitoIdentityProviderClient, CreateUserPoolCommand, DescribeUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startCognitoLocal } from './src/tools/local/cognito-local.ts';
const cl = await startCognitoLocal();
const c = new CognitoIdentityProviderClient({ endpoint: cl.url, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const p = await c.send(new CreateUserPoolCommand({ PoolName: 'x' }));
const cmd = new DescribeUserPoolCommand({ UserPoolId: p.UserPool!.Id! });
let raw: string | undefined;
cmd.middlewareStack.addRelativeTo((next: any) => async (args: any) => {
  const out = await next(args);
  const chunks: Buffer[] = [];
  for await (const ch of out.response.body) chunks.push(Buffer.from(ch));
  const body = Buffer.concat(chunks);
  raw = body.toString('utf8');
  out.response.body = new Uint8Array(body);
  return out;
}, { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'rawCapture' } as any);
const r = await c.send(cmd);
console.log(Object.keys(r.UserPool!), raw?.slice(0, 300));
c.destroy(); await cl.close();
