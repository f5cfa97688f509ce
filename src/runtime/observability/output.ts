/**
 * Where the relay's log lines and EMF metric lines go on Lambda: stdout, in ONE write per
 * invocation. A delivered message produces two lines (the "delivered" log line and the EMF line);
 * each `process.stdout.write` is a system call and wakes whatever reads the pipe, so the handler
 * queues them here and writes them together when the invocation ends (`flush`). CloudWatch
 * Logs still gets one event per line: Lambda splits stdout on newlines.
 *
 * Nothing waits for the end of the invocation longer than it must: the first line queued also
 * schedules a flush for the next turn of the event loop, so a line queued before the relay waits
 * for the network (a provider that hangs until the timeout) is already written by then.
 */

export interface LineOutput {
  /** Queues one line (without its newline). */
  write(line: string): void;
  /** Writes every queued line in one write. */
  flush(): void;
}

/**
 * @example
 * const out = createLineOutput((text) => process.stdout.write(text));
 * out.write('{"message":"delivered"}');
 * out.write('{"_aws":{…}}');
 * out.flush(); // one write of both lines
 */
export function createLineOutput(writeText: (text: string) => void): LineOutput {
  let queued = '';
  let scheduled = false;
  const flush = (): void => {
    if (queued === '') return;
    const text = queued;
    queued = '';
    writeText(text);
  };
  const scheduledFlush = (): void => {
    scheduled = false;
    flush();
  };
  return {
    write(line) {
      queued += `${line}\n`;
      if (!scheduled) {
        scheduled = true;
        setImmediate(scheduledFlush);
      }
    },
    flush,
  };
}

/** The process's stdout, as the Lambda handler uses it; it flushes at the end of each invocation. */
export const stdoutLines: LineOutput = createLineOutput((text) => process.stdout.write(text));
