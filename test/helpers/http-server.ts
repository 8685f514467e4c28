import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** The client's port: the same one twice means a kept-alive connection was reused. */
  remotePort: number | undefined;
  at: number;
}

export type Route = (request: IncomingMessage, response: ServerResponse) => void;

export interface TestServer {
  url(path: string): string;
  requests: RecordedRequest[];
  /** Answers paths no route names; 404 unless set. */
  fallback: Route | undefined;
  close(): Promise<void>;
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    ),
  );
});

/**
 * A real HTTP server on 127.0.0.1 (a free port), answering by path; closed after the test.
 * `host` picks another loopback address (127.0.0.2 stands for the public internet in the
 * tests of private-address rules).
 */
export async function startServer(routes: Record<string, Route>, { host = '127.0.0.1' }: { host?: string } = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const testServer: TestServer = {
    url: () => {
      throw new Error('the server is not listening yet');
    },
    requests,
    fallback: undefined,
    close: () => new Promise((resolve) => server.close(() => { resolve(); })),
  };
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push({ path, headers: request.headers, remotePort: request.socket.remotePort, at: Date.now() });
    const route = routes[path.split('?')[0]!] ?? testServer.fallback;
    if (route) route(request, response);
    else response.writeHead(404).end('not found');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  testServer.url = (path) => `http://${host}:${port}${path}`;
  return testServer;
}
