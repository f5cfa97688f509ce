/**
 * `server.listen` as a promise, with the message a user needs when the port is taken: which
 * port, which part of the sandbox wanted it, and the flag that changes it.
 */
import type { Server } from 'node:net';
import { RelayError } from '../../runtime/errors.ts';

export interface ListenOptions {
  port: number;
  host: string;
  /** What is listening, for the message: `web UI`, `SMTP inbox`… */
  what: string;
  /** How the user picks another port, e.g. `--port or SANDBOX_PORT`. */
  flag?: string | undefined;
}

/** Resolves once listening; rejects with a `PORT_IN_USE` RelayError naming the port and flag. */
export function listenOrExplain(server: Server, options: ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const why = error.code === 'EACCES' ? 'needs privileges this process does not have' : 'is already in use';
        const fix = options.flag ? `choose another with ${options.flag}` : 'stop the process that holds it';
        reject(new RelayError('PORT_IN_USE', `The ${options.what} cannot listen on ${options.host}:${options.port}: port ${options.port} ${why}; ${fix}.`, { cause: error }));
      } else {
        reject(error);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, options.host);
  });
}
