/**
 * Per-call cost of the KMS Decrypt step, in one process, without network: `KMSClient` against the
 * relay's Decrypt-only client (src/runtime/crypto/kms-decrypt.ts), both answered by a request
 * handler that returns a recorded KMS answer at once, so only client-side work is timed
 * (request building, signing, middleware, parsing). Then the whole `decrypt()` of a Cognito-format
 * code (Encryption SDK, ECDSA verification, our checks) with each client under it.
 *
 * Interleaved rounds; medians with their range. Run: `node --import tsx bench/profile.ts`.
 */
import { Readable } from 'node:stream';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { HttpResponse } from '@smithy/core/protocols';
import { createDecryptor } from '../src/runtime/crypto/decrypt.ts';
import { createKmsDecryptClient, type KmsDecryptRequest } from '../src/runtime/crypto/kms-decrypt.ts';
import { WARMUP_KEY_ARN, WARMUP_KMS_ANSWER, WARMUP_MESSAGE } from '../src/runtime/crypto/fast-ecc-warmup.ts';
import { median } from './measure.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = { accessKeyId: 'AKIDPROFILE', secretAccessKey: 'profile-only' };
const endpoint = 'https://kms.us-east-1.amazonaws.com';
const answer = () => ({
  response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(WARMUP_KMS_ANSWER)]) }),
});

const sdk = new KMSClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1, requestHandler: { handle: async () => answer() } as never });
const lean = createKmsDecryptClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1, requestHandler: { handle: async () => answer() } });
const viaSdk = { decrypt: (request: KmsDecryptRequest) => sdk.send(new DecryptCommand(request as never)) };

// The warm-up message is a Cognito-format code under WARMUP_KEY_ARN, which the recorded answer decrypts.
const pool = 'us-east-1_warmup';
const decryptors = {
  sdk: createDecryptor({ keyArn: WARMUP_KEY_ARN, kms: viaSdk }),
  lean: createDecryptor({ keyArn: WARMUP_KEY_ARN, kms: lean }),
};
const request: KmsDecryptRequest = { KeyId: WARMUP_KEY_ARN, CiphertextBlob: new Uint8Array(184).fill(7), EncryptionContext: { 'userpool-id': pool } };

const phases = {
  'KMS Decrypt, client side: KMSClient': () => viaSdk.decrypt(request),
  'KMS Decrypt, client side: relay client': () => lean.decrypt(request),
  'decrypt() of a Cognito code over KMSClient': () => decryptors.sdk.decrypt(WARMUP_MESSAGE, pool),
  'decrypt() of a Cognito code over the relay client': () => decryptors.lean.decrypt(WARMUP_MESSAGE, pool),
} as const;
type Phase = keyof typeof phases;

const rounds = 9;
const perRound = 150;
const perRoundMedians = new Map<Phase, number[]>(Object.keys(phases).map((name) => [name as Phase, []]));
for (const run of Object.values(phases)) for (let i = 0; i < 200; i += 1) await run();
for (let round = 0; round < rounds; round += 1) {
  const names = Object.keys(phases) as Phase[];
  if (round % 2 === 1) names.reverse();
  for (const name of names) {
    const times: number[] = [];
    for (let i = 0; i < perRound; i += 1) {
      const started = performance.now();
      await phases[name]();
      times.push(performance.now() - started);
    }
    perRoundMedians.get(name)!.push(median(times));
  }
}

console.log(`| phase (median of ${rounds} interleaved rounds of ${perRound} calls; min–max) | ms |`);
console.log('|---|---|');
for (const [name, values] of perRoundMedians) {
  console.log(`| ${name} | ${median(values).toFixed(3)} (${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}) |`);
}
sdk.destroy();
