import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening: where, and how to stop it. */
export interface ListeningServer {
  /** e.g. http://127.0.0.1:8787 (an IPv6 address in brackets). */
  url: string;
  /** Stops listening and ends every connection, idle or not, so that close never waits on a client. */
  close(): Promise<void>;
}

/**
 * Starts `server` on `host`:`port` (0: any free port) and resolves once it listens; a port in
 * use or an address that cannot be bound rejects with Node's error. The dashboard and the
 * proxy both start this way.
 */
export async function listen(server: Server, port: number, host: string): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
