/**
 * Two apps and two tenants on one user pool and one relay: the shop's web app, its admin console,
 * and the white-labelled tenants Globex and Initech (user attribute `custom:tenant`). The relay's
 * bundle carries relay.config.json and templates/ (build it with build.ts); the app client ids,
 * known only once deployed, reach the routes as SHOP_CLIENT_ID and ADMIN_CLIENT_ID; the pool is
 * wired to the relay after the deploy (`cognito-relay attach`, the AttachCommand output).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { CognitoRelay } from '../../infra/cdk/src/cognito-relay.ts';

export interface ManyAppsProps extends StackProps {
  /** The relay built with this example's relay.config.json and templates (build.ts). */
  code: lambda.Code;
  sendgridSecretName: string;
}

/** The sender domains of the profiles besides the default one; SES must allow each. */
const TENANT_SENDER_DOMAINS = ['globex.example', 'initech.example'];

export class ManyAppsStack extends Stack {
  readonly relay: CognitoRelay;

  constructor(scope: Construct, id: string, props: ManyAppsProps) {
    super(scope, id, props);
    const users = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      enableSmsRole: false,
      customAttributes: { tenant: new cognito.StringAttribute({ mutable: false, maxLen: 32 }) },
    });
    const shop = users.addClient('ShopWeb', { authFlows: { userSrp: true } });
    const admin = users.addClient('AdminConsole', { authFlows: { userSrp: true } });

    this.relay = new CognitoRelay(this, 'Relay', {
      userPool: users,
      // The function's environment names the app clients, which name the pool: the pool cannot
      // name the function too (a cycle). Wire it after the deploy with the printed command.
      wireTriggers: false,
      code: props.code,
      keyAdministrators: [CognitoRelay.deploymentRole(this)],
      appName: 'Shop',
      email: {
        // Every provider a profile names; each profile picks its chain in relay.config.json.
        providers: ['ses', 'sendgrid'],
        from: 'no-reply@shop.example',
        secrets: { SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(this, 'SendGridKey', props.sendgridSecretName) },
      },
    });
    this.relay.function.addEnvironment('SHOP_CLIENT_ID', shop.userPoolClientId);
    this.relay.function.addEnvironment('ADMIN_CLIENT_ID', admin.userPoolClientId);
    // The construct allows SES to send from `from` only; the tenants send from their own domains.
    this.relay.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: TENANT_SENDER_DOMAINS.map((domain) => this.formatArn({ service: 'ses', resource: 'identity', resourceName: domain })),
      }),
    );
    new CfnOutput(this, 'AttachCommand', { value: this.relay.attachCommand(users.userPoolId), description: 'Run once after the first deploy: wires the pool to the relay' });
  }
}
