/**
 * What every bench script sets up the same way: Cognito-format SignUp events encrypted under the
 * KMS stand-in's key, and the environment Lambda gives a function (plus the project's settings).
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptCognitoCode } from '../src/tools/local/cognito-encrypt.ts';
import { sampleEvent, SAMPLE_POOL_ID } from '../src/tools/local/sample-events.ts';

/** Writes `count` SignUp events with random codes to `<dir>/events.json`; returns the file and the codes. */
export async function writeSignUpEvents(dir: string, count: number, kms: { url: string; keyArn: string }): Promise<{ file: string; codes: string[] }> {
  const codes: string[] = [];
  const events: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    const code = String(randomInt(100000, 1000000));
    codes.push(code);
    const ciphertext = await encryptCognitoCode({ plaintext: code, keyArn: kms.keyArn, userPoolId: SAMPLE_POOL_ID, kmsEndpoint: kms.url, region: 'eu-west-1' });
    events.push(sampleEvent({ triggerSource: 'CustomEmailSender_SignUp', code: ciphertext }));
  }
  const file = join(dir, 'events.json');
  writeFileSync(file, JSON.stringify(events));
  return { file, codes };
}

/**
 * What Lambda puts in every function's environment (the relay emits its EMF metrics when it
 * sees AWS_LAMBDA_FUNCTION_NAME, as on Lambda). Same for both sides of a comparison.
 */
export function lambdaEnv(kmsUrl: string): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: '1',
    AWS_LAMBDA_FUNCTION_NAME: 'cognito-relay-bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_ENDPOINT_URL_KMS: kmsUrl,
  };
}

/** The relay's settings in the bench: SendGrid (the stand-in), the stand-in's key. */
export function projectSettings(keyArn: string, sendgridUrl: string): Record<string, string> {
  return { KMS_KEY_ARN: keyArn, EMAIL_PROVIDER: 'sendgrid', EMAIL_FROM: 'no-reply@example.com', APP_NAME: 'Example', SENDGRID_BASE_URL: sendgridUrl };
}
