/**
 * Structured JSON logs through Powertools Logger. One logger per process, built by the
 * composition root from the configuration. Log lines carry trigger, provider, message id and
 * duration — never the code, the ciphertext, secrets, or whole addresses: the relay's logger is
 * wrapped by `scrubbingLogger`, which scrubs every message and field (see mask.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Scrubber } from './mask.ts';

export interface RelayLogger extends Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'appendKeys' | 'removeKeys'> {
  /** Adds the Lambda context (request id, function name) to every line; Powertools only. */
  addContext?: Logger['addContext'];
}

export interface LoggerOptions {
  /** A Powertools level (`INFO` by default); `loadConfig` has already checked it. */
  level?: string | undefined;
  /** `POWERTOOLS_SERVICE_NAME`: tells two relays in one account apart (logs and metrics alike). */
  serviceName?: string | undefined;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({
    serviceName: options.serviceName || 'cognito-relay',
    logLevel: (options.level ?? 'INFO').toUpperCase() as 'INFO',
  });
}

type LogMethod = (message: string, ...rest: unknown[]) => void;

/**
 * A logger whose every message, field and appended key is scrubbed first: the last line of
 * defence for anything a collaborator (delivery, a provider) puts in a log line.
 *
 * @example
 * const logger = scrubbingLogger(createLogger(config), createScrubber({ secrets: config.secrets }));
 */
export function scrubbingLogger(base: RelayLogger, scrubber: Scrubber): RelayLogger {
  const wrap =
    (method: LogMethod): LogMethod =>
    (message, ...rest) =>
      method.call(base, scrubber.scrub(String(message)), ...rest.map((item) => scrubber.scrubValue(item)));
  const logger: RelayLogger = {
    info: wrap(base.info as LogMethod) as Logger['info'],
    warn: wrap(base.warn as LogMethod) as Logger['warn'],
    error: wrap(base.error as LogMethod) as Logger['error'],
    debug: wrap(base.debug as LogMethod) as Logger['debug'],
    appendKeys: (keys) => base.appendKeys(scrubber.scrubValue(keys) as typeof keys),
    removeKeys: (keys) => base.removeKeys(keys),
  };
  if (base.addContext) logger.addContext = base.addContext.bind(base);
  return logger;
}
