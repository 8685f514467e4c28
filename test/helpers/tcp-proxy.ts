import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** How {@link TcpProxy.pause} treats connections while paused. */
export type ProxyPauseMode =
  /** Stop listening: new connections are refused (ECONNREFUSED), as when the server's port is closed. Live ones go on. */
  | 'refuse'
  /** Accept new connections but send nothing and forward nothing until resumed, as a stuck server or a lost SYN-ACK. Live ones go on. */
  | 'hang'
  /** `hang`, and live connections freeze too: no byte moves either way, nothing is closed (network gone, no RST, no FIN). */
  | 'blackhole';

/** A TCP proxy in front of one server: the network between a "machine" and PostgreSQL, which a test can break. */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections open now (including those held by `hang`/`blackhole`). */
  readonly liveConnections: number;
  /** Connections accepted since the proxy started: tells a test that a client really reconnected. */
  readonly acceptedConnections: number;
  /** The same `postgres://` URL with its host and port replaced by the proxy's, so a client connects through it. */
  urlThrough(url: string): string;
  /**
   * Destroys every live connection both ways at once: `reset` (the default) sends RST, as a
   * NAT or firewall dropping the flow; `close` sends FIN, as a server closing cleanly.
   * New connections are forwarded again immediately (unless paused).
   */
  cutAll(how?: 'reset' | 'close'): void;
  /** Stops forwarding new connections (and, for `blackhole`, live ones) until {@link resume}. */
  pause(mode?: ProxyPauseMode): Promise<void>;
  /** Undoes {@link pause}: listens again on the same port, thaws frozen connections, forwards held ones. */
  resume(): Promise<void>;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

/** Thrown when the proxy cannot listen (its port taken while it was paused with `refuse`, or no free port). */
export class TcpProxyError extends Error {
  override readonly name = 'TcpProxyError';
}

/** The low end of the kernel's ephemeral port range (outgoing connections take ports from it). */
function ephemeralLow(): number {
  try {
    const low = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A random port below the kernel's ephemeral range. Servers that are stopped and started again
 * on the same port (a restarted PostgreSQL, a proxy paused with `refuse`) use one: a port from
 * the ephemeral range (what binding port 0 gives) can be taken meanwhile by any outgoing
 * connection of the machine, and the restart would then fail at random.
 */
export function randomPortCandidate(): number {
  const low = 10_000;
  return low + Math.floor(Math.random() * (ephemeralLow() - low));
}

/** Listens on `port`, resolving false when it is taken (EADDRINUSE) instead of failing. */
function listenOn(server: Server, host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/**
 * A port free now on `host`, below the ephemeral range (see {@link randomPortCandidate}), checked
 * by binding it. Another process may still take it before the caller binds: callers that can,
 * retry on EADDRINUSE with a new one.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomPortCandidate();
    const probe = createServer();
    if (await listenOn(probe, host, port)) {
      await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
      return port;
    }
  }
  throw new TcpProxyError(`no free port found on ${host} below the ephemeral range after 100 tries`);
}

/** One client connection and its connection to the target (absent while held). */
interface Pair {
  client: Socket;
  upstream: Socket | undefined;
  frozen: boolean;
}

/** Copies `from` to `to` with back-pressure, without `pipe()`, so a freeze cannot be undone by a `drain`. */
function forward(pair: Pair, from: Socket, to: Socket): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) from.pause();
  });
  to.on('drain', () => {
    if (!pair.frozen) from.resume();
  });
  from.on('end', () => to.end());
}

/**
 * Starts a TCP proxy on 127.0.0.1 in front of `target`: tests put it between a client (a
 * "machine") and PostgreSQL to cut, refuse or freeze the network without touching the server,
 * which other tests share. `port` pins the proxy's port; by default a free one below the
 * ephemeral range is taken, so `pause('refuse')` + `resume()` can listen on it again.
 */
export async function startTcpProxy(target: { host: string; port: number }, options: { port?: number } = {}): Promise<TcpProxy> {
  const host = '127.0.0.1';
  const pairs = new Set<Pair>();
  let accepted = 0;
  let mode: ProxyPauseMode | 'open' = 'open';
  let closed = false;

  const release = (pair: Pair, how: 'reset' | 'close'): void => {
    for (const socket of [pair.client, pair.upstream]) {
      if (socket === undefined || socket.destroyed) continue;
      if (how === 'reset' && !socket.connecting) socket.resetAndDestroy();
      else socket.destroy();
    }
    pairs.delete(pair);
  };

  const connectUpstream = (pair: Pair): void => {
    const upstream = connect({ host: target.host, port: target.port });
    pair.upstream = upstream;
    // When either side fails or closes, the other goes too: a reset for a failure (the peer
    // sees ECONNRESET, as it would without the proxy), a close for a clean end.
    upstream.on('error', () => { release(pair, 'reset'); });
    upstream.on('close', (hadError) => { release(pair, hadError ? 'reset' : 'close'); });
    pair.client.on('close', (hadError) => { release(pair, hadError ? 'reset' : 'close'); });
    forward(pair, pair.client, upstream);
    forward(pair, upstream, pair.client);
    pair.client.resume();
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    const pair: Pair = { client, upstream: undefined, frozen: false };
    pairs.add(pair);
    client.on('error', () => { release(pair, 'reset'); });
    if (mode === 'hang' || mode === 'blackhole') {
      // Held: the client's bytes stay unread in the kernel until resume().
      client.on('close', () => { pairs.delete(pair); });
      return;
    }
    connectUpstream(pair);
  });

  const listen = async (): Promise<number> => {
    if (options.port !== undefined) {
      if (await listenOn(server, host, options.port)) return options.port;
      throw new TcpProxyError(`the proxy's port ${host}:${options.port} is taken`);
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = randomPortCandidate();
      if (await listenOn(server, host, port)) return port;
    }
    throw new TcpProxyError(`no free port for the proxy on ${host} after 100 tries`);
  };
  const port = await listen();

  const proxy: TcpProxy = {
    host,
    port,
    get liveConnections() {
      return pairs.size;
    },
    get acceptedConnections() {
      return accepted;
    },
    urlThrough(url: string): string {
      const parsed = new URL(url);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    cutAll(how = 'reset'): void {
      for (const pair of [...pairs]) release(pair, how);
    },
    async pause(pauseMode = 'refuse'): Promise<void> {
      if (closed) throw new TcpProxyError('the proxy is closed');
      if (mode !== 'open') await proxy.resume();
      mode = pauseMode;
      if (pauseMode === 'refuse') {
        // Stop listening now; live connections are untouched (close's callback would wait for them).
        server.close();
      } else if (pauseMode === 'blackhole') {
        for (const pair of pairs) {
          pair.frozen = true;
          pair.client.pause();
          pair.upstream?.pause();
        }
      }
    },
    async resume(): Promise<void> {
      if (closed) throw new TcpProxyError('the proxy is closed');
      const was = mode;
      mode = 'open';
      if (was === 'refuse') {
        if (!(await listenOn(server, host, port))) throw new TcpProxyError(`the proxy's port ${host}:${port} was taken while it refused connections`);
        return;
      }
      for (const pair of [...pairs]) {
        if (pair.upstream === undefined) {
          connectUpstream(pair);
        } else if (pair.frozen) {
          pair.frozen = false;
          pair.client.resume();
          pair.upstream.resume();
        }
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      proxy.cutAll('reset');
      if (server.listening) await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
  return proxy;
}
