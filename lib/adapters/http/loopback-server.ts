import type { Server } from 'node:http';

/** A server listening on 127.0.0.1 only: what nothing off the machine can reach. */
export interface LoopbackListener {
  readonly port: number;
  /** Stops listening and ends open connections. */
  readonly close: () => Promise<void>;
}

/** Starts `server` on 127.0.0.1 at `port` (0: a free one); `name` goes in the error when it is not on TCP. */
export async function listenOnLoopback(server: Server, port: number, name: string): Promise<LoopbackListener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${name}: not listening on TCP`);
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
