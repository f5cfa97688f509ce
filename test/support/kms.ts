/**
 * Test access to the KMS stand-in (src/tools/local/kms-standin.ts) plus the dummy AWS environment every
 * KMS test needs: the SDK must find credentials and a region without touching ~/.aws or IMDS.
 *
 * @example
 * const kms = await startTestKms();
 * const keyArn = kms.createKey();
 * const client = kmsClientFor(kms);
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { startKmsStandIn } from '../../src/tools/local/kms-standin.ts';
import type { KmsStandIn, KmsStandInOptions } from '../../src/tools/local/kms-standin.ts';

export { startKmsStandIn };
export type { KmsStandIn, KmsStandInOptions };
export { encryptCognitoCode } from '../../src/tools/local/cognito-encrypt.ts';

/** Dummy credentials and region in the environment, as the SDK reads them on Lambda. */
export function useDummyAwsEnvironment(region = 'eu-west-1'): void {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_SESSION_TOKEN = 'test';
  process.env.AWS_REGION = region;
  // Never let a missing variable send the SDK to the instance metadata service.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_ENDPOINT_URL_KMS;
}

/** Starts a stand-in on 127.0.0.1 (free port) after setting the dummy AWS environment. */
export async function startTestKms(options: KmsStandInOptions = {}): Promise<KmsStandIn> {
  useDummyAwsEnvironment(options.region);
  return startKmsStandIn(options);
}

/** A real SDK client pointed at the stand-in. Destroy it when done. */
export function kmsClientFor(kms: KmsStandIn): KMSClient {
  return new KMSClient({ region: kms.region, endpoint: kms.url });
}

/** All requests the stand-in received, whatever the operation. */
export function totalKmsCalls(kms: KmsStandIn): number {
  return Object.values(kms.calls).reduce((sum, count) => sum + count, 0);
}
