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
import { Duration, Fn, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { defaultLandingAsset } from './lambda-asset.ts';

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
      this.secretHashFunction = new lambda.Function(this, 'SecretHash', {
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
