/**
 * Structured JSON logs through Powertools Logger. One logger per process, created at cold start.
 * Log lines carry trigger, provider, message id and duration — never the code, the ciphertext,
 * secrets, or whole addresses (see mask.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';

export type RelayLogger = Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'appendKeys' | 'removeKeys'>;

export function createLogger(options: { level?: string | undefined } = {}): Logger {
  return new Logger({
    // POWERTOOLS_SERVICE_NAME tells two relays in one account apart (logs and metrics alike).
    serviceName: process.env.POWERTOOLS_SERVICE_NAME || 'cognito-relay',
    logLevel: (options.level ?? process.env.LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO',
  });
}
