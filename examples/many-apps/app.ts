/**
 * cdk deploy --app 'node --import tsx examples/many-apps/app.ts' -c sendgridSecretName=…
 */
import { App } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildManyAppsRelay } from './build.ts';
import { ManyAppsStack } from './stack.ts';

const app = new App();
new ManyAppsStack(app, 'ManyApps', {
  code: lambda.Code.fromAsset(await buildManyAppsRelay()),
  sendgridSecretName: String(app.node.tryGetContext('sendgridSecretName') ?? 'cognito-relay/sendgrid'),
});
app.synth();
