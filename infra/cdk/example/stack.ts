/**
 * The example stack: a new user pool whose email goes through cognito-relay (see app.ts).
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
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
}

export class RelayExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: RelayExampleProps) {
    super(scope, id, props);

    const users = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      // CloudFormation has required an SMS role on pools with a custom SMS sender (facts §5).
      enableSmsRole: true,
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
    });
    const client = users.addClient('Web', { authFlows: { userSrp: true } });

    const alarmTopic = new sns.Topic(this, 'RelayAlarms');
    const relay = new CognitoRelay(this, 'Relay', {
      userPool: users,
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

