/**
 * `CognitoRelay`: everything cognito-relay needs in an AWS account, least-privilege, in one
 * construct — the KMS key Cognito encrypts codes with, the function, its role, the invoke
 * permission, async-invoke settings with a dead-letter queue, alarms, and (optionally) the wiring
 * of a user pool's custom sender triggers.
 *
 * @example
 *   const pool = new cognito.UserPool(this, 'Users', { signInAliases: { email: true } });
 *   const relay = new CognitoRelay(this, 'Relay', {
 *     userPool: pool,
 *     keyAdministrators: [CognitoRelay.deploymentRole(this)],
 *     email: {
 *       providers: ['sendgrid'],
 *       from: 'no-reply@example.com',
 *       secrets: { SENDGRID_API_KEY: secretsmanager.Secret.fromSecretNameV2(this, 'Sg', 'sendgrid') },
 *     },
 *   });
 */
import { Annotations, CfnResource, DefaultStackSynthesizer, Duration, Fn, Names, RemovalPolicy, type SecretValue, Stack, Token, Tokenization, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { defaultLambdaZip, defaultLandingAsset } from './lambda-asset.ts';


/** A secret the relay reads at cold start: from Secrets Manager, or an SSM SecureString. */
export type RelaySecret = secretsmanager.ISecret | ssm.IStringParameter;

export interface ChannelProps {
  /** Provider names in failover order, e.g. `['sendgrid', 'smtp']` → `EMAIL_PROVIDERS`. */
  providers: string[];
  /**
   * Secret settings by environment variable name (e.g. `SENDGRID_API_KEY`). The function gets
   * `<NAME>_SECRET_ARN` or `<NAME>_PARAMETER`, never the value, and read access to exactly these.
   */
  secrets?: Record<string, RelaySecret>;
  /** Non-secret provider settings as environment variables (e.g. `SMTP_PORT`). */
  settings?: Record<string, string>;
}

export interface EmailProps extends ChannelProps {
  /** Sender address → `EMAIL_FROM`. */
  from: string;
  fromName?: string;
  replyTo?: string;
  /**
   * With `ses` among `providers`: also let the role send this account's SES templates
   * (`template/*`), for `PROVIDER_TEMPLATES` mappings of `ses`. Default false: the role may send
   * only from `from` (its address or domain identity) and `SES_CONFIGURATION_SET`.
   */
  sesTemplates?: boolean;
}

export interface SmsProps extends ChannelProps {
  /**
   * `SMS_ALLOWED_COUNTRIES` (required): the country calling codes SMS may go to, e.g.
   * `['1', '44']`; every other number is refused. Add codes to open more.
   */
  allowedCountries: string[];
  /**
   * `SMS_MAX_PER_NUMBER_PER_HOUR`, 1–10000. Default 5: a sign-up, a few resends and a sign-in,
   * not a pumping run. The counters live in the idempotency table: one is created unless
   * `idempotencyTable` is given.
   */
  maxPerNumberPerHour?: number;
  /**
   * With `eum` among `providers`: what `sms-voice:SendTextMessage` is allowed on — the ARNs of
   * your origination identity (phone number, pool or sender ID), configuration set and protect
   * configuration. Default `['*']`: `EUM_ORIGINATION_IDENTITY` may be a bare number or sender ID,
   * or unset (End User Messaging then picks one), so the ARNs a send is checked against cannot
   * be derived from the settings.
   */
  eumResources?: string[];
}

/** Delivery settings (docs/failure-semantics.md); unset ones keep the relay's defaults. */
export interface DeliveryProps {
  /** `MAX_ATTEMPTS`: attempts per provider for retryable failures, 1–10 (relay default 3). */
  maxAttempts?: number;
  /** `ATTEMPT_TIMEOUT_MS`: longest one provider call may take, 100 ms–60 s (relay default 10 s). */
  attemptTimeout?: Duration;
  /**
   * `UNKNOWN_OUTCOME_RESENDS`: how many times per invocation the last provider, when it takes no
   * idempotency key, is sent the message again after an attempt with no answer, 0–3 (relay default 1).
   */
  unknownOutcomeResends?: number;
  /** `CIRCUIT_BREAKER_THRESHOLD`: consecutive retryable failures that open a breaker, 1–100 (default 3). */
  circuitBreakerThreshold?: number;
  /** `CIRCUIT_BREAKER_COOLDOWN_MS`: how long an open provider is skipped, 1 s–1 h (default 30 s). */
  circuitBreakerCooldown?: Duration;
}

export interface CognitoRelayProps {
  /**
   * The pool the relay serves. A `UserPool` defined in this app gets its custom sender triggers
   * and key wired; an imported one (`UserPool.fromUserPoolId`) only scopes the permissions — wire
   * it with `cognito-relay attach` (see `attachCommand`). A pool in another stack works: what
   * names the pool (invoke permission, pool-scoped grants) goes into the pool's stack, which then
   * depends on this one, never the reverse.
   */
  userPool?: cognito.IUserPool;
  /** Wire the triggers on `userPool` when it is defined in this app. Default true. */
  wireTriggers?: boolean;
  /**
   * The symmetric key Cognito encrypts codes with. Default: the key the pool already has
   * (`customSenderKmsKey`), else a new key with rotation on. A different key than the pool's is
   * refused: re-keying would make codes in flight undecryptable.
   */
  kmsKey?: kms.IKey;
  /**
   * Required when the construct creates the key: who administers it. Its policy lets them manage
   * the key (AWS's key-administrator actions, with `kms:PutKeyPolicy` and `kms:CreateGrant`),
   * never use it, and names nobody else but Cognito and the relay's role: no account-root
   * `kms:*`. Include the role CloudFormation deploys with (`CognitoRelay.deploymentRole(stack)`
   * for the default synthesizer): KMS refuses a policy that locks its creator out, and Cognito's
   * grant on the key is made as whoever creates or updates the pool.
   */
  keyAdministrators?: iam.IPrincipal[];
  /**
   * The function code. Default: the package's prebuilt `dist/lambda.zip` (in a checkout of the
   * repository, run `npm run build` first).
   */
  code?: lambda.Code;
  email?: EmailProps;
  sms?: SmsProps;
  /** `APP_NAME`, shown in default templates. */
  appName?: string;
  /** `DEFAULT_LOCALE`, e.g. `en`. */
  defaultLocale?: string;
  /**
   * `LINK_BASE_URL`: the verification landing page the emails link to (docs/links.md), when you
   * host it yourself. With `landingPage`, the construct sets it to the page it hosts.
   */
  linkBaseUrl?: string;
  /**
   * Host the verification landing page (S3 + CloudFront, optionally the SECRET_HASH endpoint)
   * and set `LINK_BASE_URL` to it. Default: not hosted (no links unless `linkBaseUrl`).
   */
  landingPage?: LandingPageProps;
  /**
   * Create a DynamoDB table so a retried event is not delivered twice. Default false, but with
   * `sms` a table is created anyway (unless `idempotencyTable`) for the per-number counters.
   */
  idempotency?: boolean;
  /** An existing table (partition key `id` String, TTL on `expiration`) instead of a new one. */
  idempotencyTable?: dynamodb.ITable;
  delivery?: DeliveryProps;
  /**
   * Customer-managed key of SSM SecureString parameters in `secrets`. Not needed for the AWS
   * managed `aws/ssm` key, whose key policy already lets the account use it through SSM.
   */
  parameterKey?: kms.IKey;
  /** Default 256 MB: the Encryption SDK's P-384 signature check is CPU-bound, more memory = more CPU. */
  memorySize?: number;
  /**
   * Default 30 s: room for provider retries and a failover within one invocation. Must exceed
   * `delivery.attemptTimeout` by at least the relay's 1 s deadline margin.
   */
  timeout?: Duration;
  /** Lambda's own async retries (0–2). Default 2. */
  retryAttempts?: number;
  /**
   * How long Lambda keeps retrying an event. Default 1 hour: forgot-password codes expire after
   * an hour and MFA codes after minutes, so a later message confuses more than it helps.
   */
  maxEventAge?: Duration;
  /** Where the alarms notify. Default: alarms without actions (see them in the console). */
  alarmTopic?: sns.ITopic;
  /** X-Ray active tracing. Default false (it needs `xray:Put*` on `*`). */
  tracing?: boolean;
  /** Log retention. Default one month. */
  logRetention?: logs.RetentionDays;
}

/** Environment names the construct sets itself; `settings` may not override them. */
const RESERVED_ENV = new Set([
  'KMS_KEY_ARN',
  'EMAIL_PROVIDERS',
  'EMAIL_PROVIDER',
  'EMAIL_FROM',
  'EMAIL_FROM_NAME',
  'EMAIL_REPLY_TO',
  'SMS_PROVIDERS',
  'SMS_PROVIDER',
  'APP_NAME',
  'DEFAULT_LOCALE',
  'LINK_BASE_URL',
  'IDEMPOTENCY_TABLE',
  'MAX_ATTEMPTS',
  'ATTEMPT_TIMEOUT_MS',
  'UNKNOWN_OUTCOME_RESENDS',
  'CIRCUIT_BREAKER_THRESHOLD',
  'CIRCUIT_BREAKER_COOLDOWN_MS',
  'SMS_ALLOWED_COUNTRIES',
  'SMS_MAX_PER_NUMBER_PER_HOUR',
]);

/** Setting names that carry credentials: they must come through `secrets`, never plain text. */
const SECRET_LOOKING = /(API_KEY|_KEY|TOKEN|SECRET|PASSWORD|PASS|SMTP_URL|CREDENTIALS)$/;
/** Names that look like credentials but are public identifiers (the relay reads them as plain settings). */
const NOT_SECRET = new Set(['VONAGE_API_KEY']);

/**
 * Where the relay's EMF delivery metrics land (src/runtime/observability/metrics.ts): namespace, and the
 * `service` dimension Powertools adds to every dimension set. test/infra checks these against
 * what the metrics code writes, so the alarm matches the channel × outcome roll-up exactly.
 */
export const DELIVERY_METRICS = { namespace: 'CognitoRelay', metricName: 'Deliveries', service: 'cognito-relay' } as const;

/** The relay starts no provider call without this margin before its deadline (src/runtime/delivery). */
const DEADLINE_MARGIN = Duration.seconds(1);

export class CognitoRelay extends Construct {
  readonly function: lambda.Function;
  readonly key: kms.IKey;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /**
   * Every alarm, one per row of docs/failure-semantics.md "what to alarm on" with a fixed
   * threshold: function errors, dead letters, failed hand-overs to the dead-letter queue, events
   * Lambda dropped, and `Deliveries` outcome=failed per configured channel.
   */
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The table created (`idempotency`) or given (`idempotencyTable`), if any. */
  readonly idempotencyTable: dynamodb.ITable | undefined;
  /** The hosted landing page, with `landingPage`. */
  readonly landingPage: LandingPage | undefined;
  /** Whether the pool's triggers were wired by this construct. */
  readonly triggersWired: boolean;
  /** Whether `key` is the one the pool already had (`customSenderKmsKey`). */
  readonly usesPoolKey: boolean;
  /** AWS providers granted on "*", and the SES template wildcard: acknowledged to cdk-nag. */
  private readonly wildcardGrants = new Set<'sns' | 'eum'>();
  private sesTemplateArn: string | undefined;

  constructor(scope: Construct, id: string, props: CognitoRelayProps) {
    super(scope, id);
    if (!props.email && !props.sms) throw new Error('CognitoRelay: configure `email`, `sms`, or both');
    validateDelivery(props);
    const stack = Stack.of(this);
    const cfnPool = props.userPool ? definedPool(props.userPool) : undefined;
    // A pool defined in another stack: everything that names it goes into that stack, which
    // then depends on this one (its triggers name the function) and never the reverse.
    const poolScope =
      cfnPool && Stack.of(cfnPool) !== stack ? new Construct(Stack.of(cfnPool), `${Names.uniqueId(this)}PoolAccess`) : this;

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'cognito-relay function: decrypt codes, read its own secrets, write its own logs',
    });

    const poolKeyArn = cfnPool ? existingSenderKeyArn(cfnPool, props.userPool!) : undefined;
    if (poolKeyArn && props.kmsKey && !sameValue(cfnPool!, poolKeyArn, props.kmsKey.keyArn)) {
      throw new Error(
        'CognitoRelay: the user pool already encrypts codes with another KMS key (customSenderKmsKey). Re-keying it would make ' +
          'codes in flight undecryptable and fail every trigger until the relay is redeployed: pass that same key as `kmsKey`, or leave `kmsKey` out to use it.',
      );
    }
    const poolKeyStack = poolKeyArn === undefined ? undefined : owningStack(poolKeyArn);
    if (poolKeyStack && poolKeyStack !== stack && poolScope !== this) {
      throw new Error(
        `CognitoRelay: the user pool's custom sender key is defined in stack ${poolKeyStack.stackName}, which references this relay (stack ${stack.stackName}): ` +
          'using that key here would be a dependency cycle between the stacks. Define the key in the relay\'s stack and pass it both as the pool\'s customSenderKmsKey and as `kmsKey`, or put the relay in the pool\'s stack.',
      );
    }
    this.usesPoolKey = poolKeyArn !== undefined;
    this.key =
      props.kmsKey ??
      (poolKeyArn !== undefined ? kms.Key.fromKeyArn(this, 'PoolKey', poolKeyArn) : this.createKey(role, props, cfnPool === undefined ? props.userPool : undefined));

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:CreateLogGroup etc. on *): this group only.
    this.logGroup.grantWrite(role);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const environment = this.environment(props);
    if (props.landingPage && props.linkBaseUrl) throw new Error('CognitoRelay: give `landingPage` (hosted here) or `linkBaseUrl` (hosted elsewhere), not both');
    this.landingPage = props.landingPage ? new LandingPage(this, 'LandingPage', props.landingPage) : undefined;
    if (this.landingPage) environment['LINK_BASE_URL'] = this.landingPage.url;
    this.idempotencyTable =
      props.idempotencyTable ??
      (props.idempotency || props.sms
        ? new dynamodb.Table(this, 'Idempotency', {
            partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
            timeToLiveAttribute: 'expiration',
            billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
            pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
            removalPolicy: RemovalPolicy.DESTROY, // only short-lived delivery markers live here
          })
        : undefined);
    if (this.idempotencyTable) {
      environment['IDEMPOTENCY_TABLE'] = this.idempotencyTable.tableName;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'IdempotencyRecords',
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [this.idempotencyTable.tableArn],
        }),
      );
    }
    this.grantSecrets(role, props);
    this.grantAwsProviders(role, props);

    this.function = new lambda.Function(this, 'Function', {
      description: 'cognito-relay: Cognito custom email/SMS sender',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: props.code ?? defaultCode(),
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      role,
      logGroup: this.logGroup,
      environment,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      // Cognito invokes custom senders asynchronously: these settings are the
      // EventInvokeConfig; the destination also grants sqs:SendMessage on this queue only.
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    this.grantPoolScoped(poolScope, role, props.userPool);

    if (props.userPool) {
      // Not fn.grantInvoke / UserPool.addTrigger: those omit SourceAccount.
      new lambda.CfnPermission(poolScope, poolScope === this ? 'CognitoInvoke' : 'Invoke', {
        principal: 'cognito-idp.amazonaws.com',
        action: 'lambda:InvokeFunction',
        functionName: this.function.functionArn,
        sourceArn: props.userPool.userPoolArn,
        sourceAccount: stack.account,
      });
    }
    this.triggersWired = props.userPool && props.wireTriggers !== false ? this.wireTriggers(props.userPool, props) : false;

    const alarm = (id: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm =>
      new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    this.errorsAlarm = alarm(
      'ErrorsAlarm',
      'cognito-relay failed to deliver a message (Lambda will retry; see the function logs)',
      this.function.metricErrors(fiveMinutes),
    );
    this.deadLetterAlarm = alarm(
      'DeadLettersAlarm',
      'A Cognito message was given up after all retries: it is in the dead-letter queue',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    );
    const alarms = [
      this.errorsAlarm,
      this.deadLetterAlarm,
      alarm(
        'DestinationFailuresAlarm',
        'Lambda could not put a failed Cognito event into the dead-letter queue: the event is lost',
        this.function.metric('DestinationDeliveryFailures', fiveMinutes),
      ),
      alarm(
        'DroppedEventsAlarm',
        'Lambda dropped Cognito events before running the function (too old or throttled too long)',
        this.function.metric('AsyncEventsDropped', fiveMinutes),
      ),
    ];
    for (const channel of ['email', 'sms'] as const) {
      if (!props[channel]) continue;
      alarms.push(
        alarm(
          channel === 'email' ? 'EmailDeliveryFailedAlarm' : 'SmsDeliveryFailedAlarm',
          `No provider accepted a Cognito ${channel === 'email' ? 'email' : 'SMS'} (Lambda retries the event; see the function logs)`,
          new cloudwatch.Metric({
            namespace: DELIVERY_METRICS.namespace,
            metricName: DELIVERY_METRICS.metricName,
            // Exactly the channel × outcome roll-up set the relay writes (service is added by Powertools).
            dimensionsMap: { service: DELIVERY_METRICS.service, channel, outcome: 'failed' },
            ...fiveMinutes,
          }),
        ),
      );
    }
    this.alarms = alarms;
    if (props.alarmTopic) {
      const alarmAction = new cloudwatchActions.SnsAction(props.alarmTopic);
      for (const each of alarms) each.addAlarmAction(alarmAction);
    }

    this.acknowledgeNagFindings();
  }

  /** For wiring the pool yourself (CloudFormation, Terraform, `attach`). */
  get functionArn(): string {
    return this.function.functionArn;
  }

  /** The key ARN for `LambdaConfig.KMSKeyID` (an ARN, never a key ID). */
  get keyArn(): string {
    return this.key.keyArn;
  }

  /**
   * The `cognito-relay attach` command line for a pool not wired by this construct. Run it where
   * the package is installed (`npm install --save-dev cognito-relay`) or in a checkout after
   * `npm ci`: `--no-install` makes npx run that copy and never download one.
   */
  attachCommand(userPoolId = '<user-pool-id>'): string {
    return `npx --no-install cognito-relay attach --user-pool-id ${userPoolId} --function ${this.functionArn} --kms-key ${this.keyArn}`;
  }

  private environment(props: CognitoRelayProps): Record<string, string> {
    const env: Record<string, string> = { KMS_KEY_ARN: this.key.keyArn };
    if (props.email) {
      env['EMAIL_PROVIDERS'] = props.email.providers.join(',');
      env['EMAIL_FROM'] = props.email.from;
      if (props.email.fromName) env['EMAIL_FROM_NAME'] = props.email.fromName;
      if (props.email.replyTo) env['EMAIL_REPLY_TO'] = props.email.replyTo;
    }
    if (props.sms) env['SMS_PROVIDERS'] = props.sms.providers.join(',');
    if (props.appName) env['APP_NAME'] = props.appName;
    if (props.defaultLocale) env['DEFAULT_LOCALE'] = props.defaultLocale;
    if (props.linkBaseUrl) env['LINK_BASE_URL'] = props.linkBaseUrl;
    const delivery = props.delivery ?? {};
    if (delivery.maxAttempts !== undefined) env['MAX_ATTEMPTS'] = String(delivery.maxAttempts);
    if (delivery.attemptTimeout) env['ATTEMPT_TIMEOUT_MS'] = String(delivery.attemptTimeout.toMilliseconds());
    if (delivery.unknownOutcomeResends !== undefined) env['UNKNOWN_OUTCOME_RESENDS'] = String(delivery.unknownOutcomeResends);
    if (delivery.circuitBreakerThreshold !== undefined) env['CIRCUIT_BREAKER_THRESHOLD'] = String(delivery.circuitBreakerThreshold);
    if (delivery.circuitBreakerCooldown) env['CIRCUIT_BREAKER_COOLDOWN_MS'] = String(delivery.circuitBreakerCooldown.toMilliseconds());
    if (props.sms) {
      env['SMS_ALLOWED_COUNTRIES'] = props.sms.allowedCountries.join(',');
      env['SMS_MAX_PER_NUMBER_PER_HOUR'] = String(props.sms.maxPerNumberPerHour ?? DEFAULT_SMS_PER_NUMBER_PER_HOUR);
    }
    for (const channel of [props.email, props.sms]) {
      for (const [name, value] of Object.entries(channel?.settings ?? {})) {
        if (RESERVED_ENV.has(name)) throw new Error(`CognitoRelay: ${name} is set by the construct; use its own prop`);
        if (SECRET_LOOKING.test(name) && !NOT_SECRET.has(name)) {
          throw new Error(`CognitoRelay: ${name} looks like a credential; pass it in \`secrets\` (Secrets Manager or SSM), never as plain text`);
        }
        env[name] = value;
      }
      for (const [name, secret] of Object.entries(channel?.secrets ?? {})) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`CognitoRelay: secret name ${name} must be an environment variable name`);
        if (isSecret(secret)) env[`${name}_SECRET_ARN`] = secret.secretArn;
        else env[`${name}_PARAMETER`] = secret.parameterName;
      }
    }
    return env;
  }

  /** secretsmanager:GetSecretValue / ssm:GetParameter on exactly the named secrets. */
  private grantSecrets(role: iam.Role, props: CognitoRelayProps): void {
    const secrets = [props.email, props.sms].flatMap((channel) => Object.values(channel?.secrets ?? {}));
    const secretArns = secrets.filter(isSecret).map((secret) =>
      // A secret referenced by name has a partial ARN: Secrets Manager appends 6 random characters.
      secret.secretFullArn ?? `${secret.secretArn}-??????`,
    );
    if (secretArns.length > 0) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadProviderSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secretArns }));
    }
    const secretKeys = secrets.filter(isSecret).flatMap((secret) => (secret.encryptionKey ? [secret.encryptionKey.keyArn] : []));
    if (secretKeys.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptProviderSecrets',
          actions: ['kms:Decrypt'],
          resources: secretKeys,
          // Only through Secrets Manager: the role cannot use these keys directly.
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    const parameters = secrets.filter((secret): secret is ssm.IStringParameter => !isSecret(secret));
    if (parameters.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ReadProviderParameters', actions: ['ssm:GetParameter'], resources: parameters.map((p) => p.parameterArn) }),
      );
      if (props.parameterKey) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'DecryptProviderParameters',
            actions: ['kms:Decrypt'],
            resources: [props.parameterKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` } },
          }),
        );
      }
    }
  }

  /**
   * The send permission of each AWS provider in the provider lists, and only of those: SES, SNS
   * and End User Messaging SMS authenticate with this role instead of an API key.
   */
  private grantAwsProviders(role: iam.Role, props: CognitoRelayProps): void {
    const stack = Stack.of(this);
    const email = props.email;
    if (email && named(email.providers, 'ses')) {
      const settings = email.settings ?? {};
      const region = settings['SES_REGION'] || stack.region;
      const sesArn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ses', region, resource, resourceName });
      const domain = Token.isUnresolved(email.from) ? Fn.select(1, Fn.split('@', email.from)) : email.from.slice(email.from.lastIndexOf('@') + 1);
      // SendEmail requires the sending identity; SES checks the address identity, or the domain
      // identity when only the domain is verified. Configuration set and template are checked
      // only when the request names them (Service Authorization Reference, ses:SendEmail).
      const resources = [sesArn('identity', email.from), sesArn('identity', domain)];
      if (settings['SES_CONFIGURATION_SET']) resources.push(sesArn('configuration-set', settings['SES_CONFIGURATION_SET']));
      if (email.sesTemplates) {
        this.sesTemplateArn = sesArn('template', '*');
        resources.push(this.sesTemplateArn);
      }
      // SESv2 SendEmail, templated or not, is authorised by ses:SendEmail alone.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendEmailWithSes', actions: ['ses:SendEmail'], resources }));
    }
    const sms = props.sms;
    if (sms && named(sms.providers, 'sns')) {
      // A text published straight to a phone number has no ARN to name: SNS authorises it only
      // against "*" (CDK's own Cognito SMS role does the same). The action is Publish alone.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendSmsWithSns', actions: ['sns:Publish'], resources: ['*'] }));
      this.wildcardGrants.add('sns');
    }
    if (sms && named(sms.providers, 'eum')) {
      const resources = sms.eumResources ?? ['*'];
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SendSmsWithEndUserMessaging', actions: ['sms-voice:SendTextMessage'], resources }));
      if (resources.includes('*')) this.wildcardGrants.add('eum');
    }
  }

  /**
   * kms:Decrypt on the pool's key (CDK does not grant it) and AdminGetUser on the pool.
   * A separate policy, not the role's default one: the function depends on its default policy and
   * the pool depends on the function, so a pool reference there would be a circular dependency.
   */
  private grantPoolScoped(scope: Construct, role: iam.Role, userPool: cognito.IUserPool | undefined): void {
    const statements = [
      new iam.PolicyStatement({
        sid: 'DecryptCognitoCodes',
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        // Only codes Cognito encrypted for this pool: it binds the pool ID as encryption context.
        ...(userPool ? { conditions: { StringEquals: { 'kms:EncryptionContext:userpool-id': userPool.userPoolId } } } : {}),
      }),
    ];
    if (userPool) {
      // Account-takeover notices carry no email attribute: the relay looks the user up (read-only).
      statements.push(new iam.PolicyStatement({ sid: 'LookUpRecipient', actions: ['cognito-idp:AdminGetUser'], resources: [userPool.userPoolArn] }));
    }
    new iam.Policy(scope, 'PoolAccess', { roles: [role], statements });
  }

  /**
   * The key, with a policy that names exactly who may do what: the administrators (manage, never
   * use), Cognito (encrypt and grant, for this account's pools) and the relay's role (decrypt, for
   * the pool's codes). No account-root statement, so IAM policies alone grant nothing on it.
   * `knownPool` is an imported pool: a pool defined in the app references the key, so naming it
   * here would be a dependency cycle; then the conditions name the account and region.
   */
  private createKey(role: iam.Role, props: CognitoRelayProps, knownPool: cognito.IUserPool | undefined): kms.Key {
    const administrators = props.keyAdministrators ?? [];
    if (administrators.length === 0) {
      throw new Error(
        'CognitoRelay: keyAdministrators is required when the construct creates the key (its policy names them instead of the whole account). ' +
          'Include the role CloudFormation deploys with, e.g. CognitoRelay.deploymentRole(stack): KMS refuses a policy that locks its creator out.',
      );
    }
    const stack = Stack.of(this);
    const anyPoolHere = stack.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' });
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'KeyAdministration', principals: administrators, actions: [...KEY_ADMIN_ACTIONS], resources: ['*'] }),
        // The Encryption SDK asks for a data key (GenerateDataKey); Cognito may also hold a grant.
        new iam.PolicyStatement({
          sid: 'CognitoEncryptsCodes',
          principals: [new iam.ServicePrincipal('cognito-idp.amazonaws.com')],
          actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:CreateGrant'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': knownPool ? knownPool.userPoolArn : anyPoolHere },
          },
        }),
        new iam.PolicyStatement({
          sid: 'RelayDecryptsCodes',
          principals: [role],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: { StringLike: { 'kms:EncryptionContext:userpool-id': knownPool ? knownPool.userPoolId : `${stack.region}_*` } },
        }),
      ],
    });
    return new kms.Key(this, 'Key', { description: 'Cognito custom sender codes (cognito-relay)', enableKeyRotation: true, policy });
  }

  /**
   * The role CloudFormation deploys a stack with under the default synthesizer (the bootstrap's
   * `cfn-exec` role): the principal that creates the key, so one of its administrators.
   */
  static deploymentRole(stack: Stack): iam.IPrincipal {
    if (!(stack.synthesizer instanceof DefaultStackSynthesizer)) {
      throw new Error('CognitoRelay.deploymentRole: the stack does not use the default synthesizer; name the role that deploys it instead');
    }
    // The synthesizer's ARN carries ${AWS::Partition}-style placeholders: Fn::Sub resolves them.
    return new iam.ArnPrincipal(Fn.sub(stack.synthesizer.cloudFormationExecutionRoleArn));
  }

  /**
   * Wires the custom senders and the key on a pool defined in this app. The L2 `UserPool` takes
   * them only as constructor props (`customSenderKmsKey`, `lambdaTriggers`) and its `addTrigger`
   * refuses custom senders unless the key was given at construction, so we set them on the
   * underlying `CfnUserPool`'s LambdaConfig (property overrides merge with the pool's other
   * triggers). `LambdaVersion: V1_0` is always set.
   */
  private wireTriggers(userPool: cognito.IUserPool, props: CognitoRelayProps): boolean {
    const cfnPool = userPool.node.defaultChild;
    if (!(cfnPool instanceof CfnResource) || cfnPool.cfnResourceType !== 'AWS::Cognito::UserPool') {
      Annotations.of(this).addInfoV2(
        'cognito-relay:imported-pool',
        `The user pool is imported, so its triggers were not wired. After deploying, run: ${this.attachCommand(userPool.userPoolId)}`,
      );
      return false;
    }
    const sender = { LambdaArn: this.function.functionArn, LambdaVersion: 'V1_0' };
    // A pool that already has a key keeps it (this.key is that key then).
    if (!this.usesPoolKey) cfnPool.addPropertyOverride('LambdaConfig.KMSKeyID', this.key.keyArn);
    WIRED_KEYS.set(cfnPool, this.key.keyArn);
    if (props.email) cfnPool.addPropertyOverride('LambdaConfig.CustomEmailSender', sender);
    if (props.sms) {
      cfnPool.addPropertyOverride('LambdaConfig.CustomSMSSender', sender);
      if (!(cfnPool as unknown as { smsConfiguration?: unknown }).smsConfiguration) {
        Annotations.of(this).addWarningV2(
          'cognito-relay:sms-role',
          'CloudFormation has required an SmsConfiguration on pools with a custom SMS sender: create the UserPool with `enableSmsRole: true`.',
        );
      }
    }
    return true;
  }

  /** Findings the AwsSolutions pack reports on this construct, each with why it is acceptable. */
  private acknowledgeNagFindings(): void {
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The relay is built and tested for nodejs22.x (the build contract); newer runtimes are adopted deliberately.',
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter (on-failure) destination of the function.',
    });
    // Wildcards exist only when an AWS provider is configured. Each is acknowledged on the role's
    // policy for exactly that resource, so any other wildcard would still be reported.
    const policy = this.function.role?.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    const reasons = [
      this.wildcardGrants.has('sns') ? 'sns:Publish to a phone number has no resource ARN, so SNS authorises it against "*" only' : '',
      this.wildcardGrants.has('eum')
        ? 'sms-voice:SendTextMessage has only optional resource types and the origination identity may be unset or not an ARN (narrow it with sms.eumResources)'
        : '',
    ].filter(Boolean);
    if (reasons.length > 0) {
      Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: `${reasons.join('; ')}. The only action on "*" is sending an SMS.` });
    }
    if (this.sesTemplateArn) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagFlatten(Stack.of(this).resolve(this.sesTemplateArn))}]`,
        reason: 'email.sesTemplates: PROVIDER_TEMPLATES may name any SES template of this account (a bundled mapping is invisible at synth); only ses:SendEmail from the configured identity is allowed.',
      });
    }
  }
}

/** SMS per number and clock hour unless `sms.maxPerNumberPerHour` says otherwise. */
export const DEFAULT_SMS_PER_NUMBER_PER_HOUR = 5;

/** AWS's key-administrator action set: manage the key (policy, grants, rotation, deletion), never use it. */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
  'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
] as const;

/** The key ARN each relay wired into a pool, so a second relay on that pool sees it as the pool's key. */
const WIRED_KEYS = new WeakMap<CfnResource, string>();

/** The pool's `AWS::Cognito::UserPool` when it is defined in this app (not imported). */
function definedPool(userPool: cognito.IUserPool): CfnResource | undefined {
  const child = userPool.node.defaultChild;
  return child instanceof CfnResource && child.cfnResourceType === 'AWS::Cognito::UserPool' ? child : undefined;
}

/** The custom sender key a pool already has: `customSenderKmsKey`, or one a relay wired. */
function existingSenderKeyArn(cfnPool: CfnResource, userPool: cognito.IUserPool): string | undefined {
  const wired = WIRED_KEYS.get(cfnPool);
  if (wired) return wired;
  // The L2 UserPool keeps its LambdaConfig in a box; reading it keeps the key's own token (so a
  // key in another stack stays a cross-stack reference). Otherwise the resolved L1 value.
  const box = (userPool as unknown as { triggers?: { get?: () => { kmsKeyId?: string } } }).triggers;
  if (typeof box?.get === 'function') return box.get().kmsKeyId;
  const lambdaConfig = (cfnPool as unknown as { lambdaConfig?: unknown }).lambdaConfig;
  const resolved = lambdaConfig === undefined ? undefined : (Stack.of(cfnPool).resolve(lambdaConfig) as { kmsKeyId?: unknown } | undefined);
  return resolved?.kmsKeyId === undefined ? undefined : Token.asString(resolved.kmsKeyId);
}

/** The stack of the resource a token such as a key ARN refers to, if it refers to one. */
function owningStack(value: string): Stack | undefined {
  const target = (Tokenization.reverseString(value).firstToken as { target?: Construct } | undefined)?.target;
  return target ? Stack.of(target) : undefined;
}

function sameValue(scope: CfnResource, a: string, b: string): boolean {
  const stack = Stack.of(scope);
  return JSON.stringify(stack.resolve(a)) === JSON.stringify(stack.resolve(b));
}

function named(providers: string[], name: string): boolean {
  return providers.some((provider) => provider.trim().toLowerCase() === name);
}

/** cdk-nag's flattening of a resolved reference (its finding ids embed it), e.g. `arn:<AWS::Partition>:…`. */
function nagFlatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(nagFlatten).join(delimiter);
  }
  if (value['Fn::Sub']) return nagFlatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${nagFlatten(resource)}.${nagFlatten(attribute)}>`;
  }
  if (value['Ref']) return `<${nagFlatten(value['Ref'])}>`;
  return JSON.stringify(node);
}

/** Ranges from src/runtime/delivery/settings.ts, checked at synth instead of at the first cold start. */
function validateDelivery(props: CognitoRelayProps): void {
  const problems: string[] = [];
  const within = (name: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
    }
  };
  const delivery = props.delivery ?? {};
  within('delivery.maxAttempts', delivery.maxAttempts, 1, 10);
  within('delivery.attemptTimeout (ms)', delivery.attemptTimeout?.toMilliseconds(), 100, 60_000);
  within('delivery.unknownOutcomeResends', delivery.unknownOutcomeResends, 0, 3);
  within('delivery.circuitBreakerThreshold', delivery.circuitBreakerThreshold, 1, 100);
  within('delivery.circuitBreakerCooldown (ms)', delivery.circuitBreakerCooldown?.toMilliseconds(), 1_000, 3_600_000);
  within('sms.maxPerNumberPerHour', props.sms?.maxPerNumberPerHour, 1, 10_000);
  for (const code of props.sms?.allowedCountries ?? []) {
    if (!/^\+?\d{1,7}$/.test(code)) problems.push(`sms.allowedCountries: "${code}" is not a country calling code like 1, 44 or 351`);
  }
  if (props.sms && !(props.sms.allowedCountries?.length > 0)) {
    problems.push('sms.allowedCountries is required: list the calling codes your users have, e.g. [\'1\', \'44\'] (SMS is never open to every country)');
  }
  const timeout = props.timeout ?? Duration.seconds(30);
  if (delivery.attemptTimeout && delivery.attemptTimeout.toMilliseconds() + DEADLINE_MARGIN.toMilliseconds() > timeout.toMilliseconds()) {
    problems.push(
      `delivery.attemptTimeout (${delivery.attemptTimeout.toMilliseconds()} ms) leaves no room in the function timeout (${timeout.toSeconds()} s): the relay keeps a 1 s margin before its deadline`,
    );
  }
  if (props.idempotency && props.idempotencyTable) problems.push('give either `idempotency: true` (a new table) or `idempotencyTable` (yours), not both');
  if (problems.length > 0) throw new Error(`CognitoRelay: ${problems.join('; ')}`);
}

function isSecret(secret: RelaySecret): secret is secretsmanager.ISecret {
  return 'secretArn' in secret;
}

function defaultCode(): lambda.Code {
  return lambda.Code.fromAsset(defaultLambdaZip());
}

// ---------------------------------------------------------------------------------------------
// The verification landing page (docs/links.md). Here rather than in a module of its own: the
// CommonJS build ships this file's declarations alone.

/** An app client with a secret, for the SECRET_HASH endpoint. */
export interface SecretClient {
  clientId: string;
  /** The client's secret, e.g. `SecretValue.secretsManager('acme/client-secret')` (resolved at deploy). */
  clientSecret: SecretValue;
}

export interface LandingPageProps {
  /** config.json `appUrl`: the app, for "continue" buttons and the deep links of verify / sign-in. */
  appUrl?: string;
  /** config.json `passwordPolicy`: the pool's `Policies.PasswordPolicy`, checked on the reset form. */
  passwordPolicy?: { MinimumLength?: number; RequireUppercase?: boolean; RequireLowercase?: boolean; RequireNumbers?: boolean; RequireSymbols?: boolean };
  /**
   * App clients with a secret: creates the SECRET_HASH endpoint (a function URL, auth NONE, that
   * forwards the page's four unauthenticated calls with the hash added) and lists it in config.json.
   */
  secretClients?: SecretClient[];
  /** The page's files. Default: the package's `dist/landing/site` (`npm run build`). */
  siteDirectory?: string;
}

/**
 * `LandingPage`: hosts the verification landing page (dist/landing/site) the relay's links open:
 * a private S3 bucket (TLS only, public access blocked) behind a CloudFront distribution with
 * origin access control, and a `config.json` written from the pool's region (and, optionally,
 * the SECRET_HASH endpoint as a Lambda function URL for app clients that have a secret).
 * `CognitoRelay` creates one with its `landingPage` prop and sets `LINK_BASE_URL` to `url`.
 *
 * @example
 *   const page = new LandingPage(this, 'Verify', { appUrl: 'https://app.acme.example/' });
 *   // LINK_BASE_URL = page.url
 */
export class LandingPage extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** The SECRET_HASH endpoint, when `secretClients` was given. */
  readonly secretHashFunction: lambda.Function | undefined;
  /** `https://<distribution domain>/`: the relay's `LINK_BASE_URL`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: LandingPageProps = {}) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The page's own headers (index.html also carries its Content-Security-Policy): no referrer,
    // never framed, HSTS.
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'cognito-relay verification landing page',
      defaultRootObject: 'index.html',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
    });
    const domain = this.distribution.distributionDomainName;
    this.url = `https://${domain}/`;

    const secretClients: Record<string, string> = {};
    if (props.secretClients?.length) {
      const logGroup = new logs.LogGroup(this, 'SecretHashLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN });
      // CLIENT_SECRETS as JSON, joined from parts so client ids and secrets may be deploy-time values.
      const pairs = props.secretClients.map((client) => Fn.join('', ['"', client.clientId, '":"', client.clientSecret.unsafeUnwrap(), '"']));
      // Its own role, allowed to write its log group and nothing else (no managed policy).
      const role = new iam.Role(this, 'SecretHashRole', {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'cognito-relay SECRET_HASH endpoint: writes its own logs, nothing else',
      });
      logGroup.grantWrite(role);
      this.secretHashFunction = new lambda.Function(this, 'SecretHash', {
        role,
        description: 'cognito-relay landing page: forwards confirm/reset calls with SECRET_HASH',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: lambda.Code.fromAsset(defaultLandingAsset('secret-hash.zip')),
        memorySize: 128,
        timeout: Duration.seconds(10),
        logGroup,
        environment: { CLIENT_SECRETS: Fn.join('', ['{', Fn.join(',', pairs), '}']), ALLOWED_ORIGIN: `https://${domain}` },
      });
      // Auth NONE: the calls it forwards are Cognito's unauthenticated ones; it needs no IAM permission.
      const functionUrl = this.secretHashFunction.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      for (const client of props.secretClients) secretClients[client.clientId] = functionUrl.url;
    } else {
      this.secretHashFunction = undefined;
    }

    const config = {
      cognitoEndpoint: `https://cognito-idp.${region}.amazonaws.com/`,
      ...(Object.keys(secretClients).length ? { secretClients } : {}),
      ...(props.appUrl ? { appUrl: props.appUrl } : {}),
      ...(props.passwordPolicy ? { passwordPolicy: props.passwordPolicy } : {}),
    };
    new s3deploy.BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [s3deploy.Source.asset(props.siteDirectory ?? defaultLandingAsset('site')), s3deploy.Source.jsonData('config.json', config)],
      distribution: this.distribution,
      memoryLimit: 256,
    });
  }
}
