/**
 * Example app: a new user pool whose email goes through cognito-relay (SendGrid).
 *
 *   npm run build                              # dist/lambda → the function code
 *   npx aws-cdk@2 deploy --app "npx tsx infra/cdk/example/app.ts" \
 *     -c sendgridSecretName=prod/sendgrid -c from=no-reply@example.com
 *
 * The SendGrid API key lives in Secrets Manager (create it first:
 * `aws secretsmanager create-secret --name prod/sendgrid --secret-string 'SG.…'`); the function
 * only ever sees its ARN. docs/deploy/cdk.md walks through it.
 */
import { App } from 'aws-cdk-lib';
import { RelayExampleStack } from './stack.ts';

const app = new App();
new RelayExampleStack(app, 'CognitoRelayExample', {
  sendgridSecretName: app.node.tryGetContext('sendgridSecretName') ?? 'prod/sendgrid',
  from: app.node.tryGetContext('from') ?? 'no-reply@example.com',
  keyAdministrators: ((app.node.tryGetContext('keyAdministrators') as string | undefined) ?? '').split(',').filter(Boolean),
  env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
});
