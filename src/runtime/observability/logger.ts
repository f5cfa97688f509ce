/**
 * Structured JSON logs through Powertools Logger. One logger per process, built by the
 * composition root from the configuration. Log lines carry trigger, provider, message id and
 * duration — never the code, the ciphertext, secrets, or whole addresses: the relay's logger is
 * wrapped by `scrubbingLogger`, which scrubs every message and field (see mask.ts).
 */
import { Logger, LogLevelThreshold, type LogItem } from '@aws-lambda-powertools/logger';
import { isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import type { Scrubber } from './mask.ts';
import { stdoutLines, type LineOutput } from './output.ts';

export interface RelayLogger extends Pick<Logger, 'info' | 'warn' | 'error' | 'debug' | 'appendKeys' | 'removeKeys'> {
  /** Adds the Lambda context (request id, function name) to every line; Powertools only. */
  addContext?: Logger['addContext'];
}

export interface LoggerOptions {
  /** A Powertools level (`INFO` by default); `loadConfig` has already checked it. */
  level?: string | undefined;
  /** `POWERTOOLS_SERVICE_NAME`: tells two relays in one account apart (logs and metrics alike). */
  serviceName?: string | undefined;
  /** Where INFO and DEBUG lines go: stdout, one write per invocation (see output.ts), by default. */
  output?: LineOutput;
}

/**
 * Powertools Logger whose INFO/DEBUG lines are queued on a `LineOutput` instead of written one
 * by one, so the handler writes them with the invocation's EMF line in one write. The line is
 * the one Powertools prints (`printLog` is Powertools' extension point): same attributes, same
 * JSON replacer, compact. WARN and above still go to stderr through Powertools' own console,
 * after what is queued (so the order holds); `POWERTOOLS_DEV` keeps Powertools' pretty printing.
 */
class LineLogger extends Logger {
  readonly #output: LineOutput;
  // Decided once, as Powertools decides its console and indentation in its constructor.
  readonly #pretty = isDevMode();

  constructor(options: ConstructorParameters<typeof Logger>[0], output: LineOutput) {
    super(options);
    this.#output = output;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    // Powertools may print from its own constructor, before this class's fields exist.
    if (!(#output in this)) return super.printLog(logLevel, log);
    if (logLevel >= LogLevelThreshold.WARN || this.#pretty) {
      this.#output.flush();
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.#output.write(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return new LineLogger(
    {
      serviceName: options.serviceName || 'cognito-relay',
      logLevel: (options.level ?? 'INFO').toUpperCase() as 'INFO',
    },
    options.output ?? stdoutLines,
  );
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
