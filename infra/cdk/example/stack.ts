/**
 * The example stack: a new user pool whose email goes through cognito-relay (see app.ts).
 */
import { CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { CognitoRelay } from '../src/cognito-relay.ts';

export interface RelayExampleProps extends StackProps {
  sendgridSecretName: string;
  from: string;
  /** Default: the built `dist/lambda`. */
  code?: lambda.Code;
  /** More key administrators (role or user ARNs) besides the deployment role. */
  keyAdministrators?: string[];
}

export class RelayExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: RelayExampleProps) {
    super(scope, id, props);

    const users = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      // Email only: no SMS, so no SMS role for Cognito (it would be an sns:Publish on "*").
      enableSmsRole: false,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
    });
    const client = users.addClient('Web', { authFlows: { userSrp: true } });
    // cdk-nag (AwsSolutions) findings on the example's own pool, each a choice for the example:
    Validations.of(users).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'The example shows sign-up codes arriving by email; a required second factor (TOTP) would need an authenticator app before the first sign-in. Require MFA in production.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus feature plan (threat protection) is billed per user; the example stays on Essentials. Choose Plus in production if you want adaptive authentication.',
      },
    );

    const alarmTopic = new sns.Topic(this, 'RelayAlarms', { enforceSSL: true });
    const relay = new CognitoRelay(this, 'Relay', {
      userPool: users,
      // The key's administrators: the role CloudFormation deploys with (it creates the key), and
      // whoever else you name (-c keyAdministrators=arn:…,arn:…).
      keyAdministrators: [CognitoRelay.deploymentRole(this), ...(props.keyAdministrators ?? []).map((arn) => new iam.ArnPrincipal(arn))],
      ...(props.code ? { code: props.code } : {}),
      appName: 'Example',
      email: {
        providers: ['sendgrid'],
        from: props.from,
        secrets: { SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(this, 'SendGridKey', props.sendgridSecretName) },
      },
      alarmTopic,
    });

    new CfnOutput(this, 'UserPoolId', { value: users.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'FunctionArn', { value: relay.functionArn });
    new CfnOutput(this, 'KeyArn', { value: relay.keyArn });
    new CfnOutput(this, 'LogGroup', { value: relay.logGroup.logGroupName });
    new CfnOutput(this, 'DeadLetterQueue', { value: relay.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopic', { value: alarmTopic.topicArn, description: 'Subscribe to be told about failed deliveries' });
  }
}

