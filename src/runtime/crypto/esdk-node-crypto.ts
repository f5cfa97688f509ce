/**
 * What the Encryption SDK's material helpers import as `crypto` in the Lambda bundle
 * (scripts/esbuild-plugins/replaced-internals.mjs): Node's own functions, except `createVerify`,
 * which answers from the signature check already run in parallel with the KMS call when it
 * checked exactly the same bytes (parallel-signature-check.ts).
 */
import { markSdkVerifiesThroughParallelChecks } from './parallel-signature-check.ts';

export { createCipheriv, createDecipheriv, createSign, timingSafeEqual } from 'node:crypto';
export { createVerify } from './parallel-signature-check.ts';

markSdkVerifiesThroughParallelChecks();
