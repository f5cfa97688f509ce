/**
 * The Lambda entry (`index.handler`, nodejs22.x) for both CustomEmailSender and
 * CustomSMSSender. It only wires the pipeline: the composition root (core/bootstrap.ts) builds
 * everything from the environment, and all the work is in core/relay.ts.
 *
 * Configuration is validated and secrets read during the init phase (top-level await), once per
 * cold start. A bad configuration does not crash the init: every invocation then fails with the
 * full list of problems, so Lambda's retries and the dead-letter queue carry the reason.
 */
import type { Context } from 'aws-lambda';
import { bootstrap, type Bootstrapped } from '../core/bootstrap.ts';
import { createLogger } from '../observability/logger.ts';
import { stdoutLines } from '../observability/output.ts';

const ready: Bootstrapped | Error = await bootstrap(process.env).catch((error: unknown) => {
  const failure = error instanceof Error ? error : new Error(String(error));
  // The configuration could not say how to log: Powertools' defaults.
  createLogger().error('cognito-relay could not start', { error: failure.message });
  return failure;
});
// Still init: first-use costs (KMS credentials, template compilation) paid here, not by the
// first event.
if (!(ready instanceof Error)) await ready.prime();
stdoutLines.flush();

export async function handler(event: unknown, context: Context): Promise<void> {
  if (ready instanceof Error) throw ready;
  ready.logger.addContext?.(context);
  try {
    await ready.relay.handle(event, context);
  } finally {
    // The invocation's log and metric lines, in one write before Lambda may freeze the process.
    stdoutLines.flush();
  }
}
