import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { SharedTierUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ResolvedShared } from './connection-options.js';
import { migrateSharedSchema, quoteIdentifier, SchemaTooNewError, SERVER_NOW_MS } from './schema.js';

/** How often a tier that went away is tried again: it is back in use within 15 s of the server. */
export const PROBE_INTERVAL_MS = 5000;
/** How often each process says it is alive; a machine unseen for 3 beats counts as gone. */
export const HEARTBEAT_INTERVAL_MS = 10_000;

export interface PostgresTierOptions {
  logger: Logger;
  /** This machine's cache directory: what the machines list shows beside the host name. */
  cacheDir: string;
}

/** int8 comes back as a string by default; datacache's bigints are milliseconds and counts, well within 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number) => (oid === INT8_OID ? (value: string) => Number(value) : textParser(oid))) as typeof pg.types.getTypeParser,
};

/** node-postgres's own parser for a type (its declared return type is `any`). */
const defaultParser = pg.types.getTypeParser as unknown as (oid: number) => (value: string) => unknown;

function textParser(oid: number): (value: string) => unknown {
  return defaultParser(oid);
}

/**
 * The connection to the shared tier: a pool of PostgreSQL connections (each with the tier's
 * schema on its search path and `synchronous_commit = off`: what it holds can be fetched again,
 * and nothing can be corrupted, so a commit need not wait for the disk), the schema migrated
 * under an advisory lock, LISTEN/NOTIFY with its own connection, a heartbeat per process.
 *
 * The server may go away at any time. The first failure marks the tier unavailable: the fault
 * is reported once (logger, `onAvailability`), every call then fails at once with
 * SharedTierUnavailableError (callers go on with the machine's own cache), and the server is
 * tried again every PROBE_INTERVAL_MS until it answers. The password never appears in a
 * message: the server is named `user@host:port/database`.
 */
export class PostgresTier {
  readonly server: string;
  readonly schema: string;
  /** This process, as the machines table knows it. */
  readonly processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly pool: Pool;
  private readonly logger: Logger;
  private readonly cacheDir: string;
  private availableNow = false;
  private migrated = false;
  private lastFault: SharedTierUnavailableError | null = null;
  private closed = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly availabilityListeners = new Set<(available: boolean) => void>();
  private readonly channelListeners = new Map<string, Set<(payload: string) => void>>();
  private listener: pg.Client | undefined;
  private listenerConnecting: Promise<void> | undefined;

  private constructor(
    private readonly resolved: ResolvedShared,
    options: PostgresTierOptions,
  ) {
    this.server = resolved.server;
    this.schema = resolved.schema;
    this.logger = options.logger;
    this.cacheDir = options.cacheDir;
    this.pool = new pg.Pool({ ...resolved.pool, ...sessionSettings(resolved.schema), types, idleTimeoutMillis: 30_000, application_name: 'datacache' });
    // A connection the server closes (a restart) must not crash the process: idle ones report
    // to the pool, and one checked out between two statements of a transaction to itself.
    this.pool.on('error', (error) => {
      this.markUnavailable(error);
    });
    this.pool.on('connect', (client) => {
      client.on('error', (error) => {
        this.markUnavailable(error);
      });
    });
  }

  /**
   * Connects and migrates. A server that cannot be reached (or refuses the credentials, or is
   * on a newer schema) does not fail this: the tier starts unavailable, says so once, and is
   * tried again in the background.
   */
  static async connect(resolved: ResolvedShared, options: PostgresTierOptions): Promise<PostgresTier> {
    const tier = new PostgresTier(resolved, options);
    await tier.probe();
    return tier;
  }

  /** Whether the shared tier can be used now. */
  get available(): boolean {
    return this.availableNow;
  }

  /** Why it cannot be used, while it cannot. */
  get fault(): SharedTierUnavailableError | null {
    return this.availableNow ? null : this.lastFault;
  }

  /** Hears when the tier goes away (false) and comes back (true); returns the function that stops it. */
  onAvailability(listener: (available: boolean) => void): () => void {
    this.availabilityListeners.add(listener);
    return () => this.availabilityListeners.delete(listener);
  }

  /**
   * Runs a statement. Fails at once with SharedTierUnavailableError while the tier cannot be
   * used. `name` makes it a prepared statement on each connection (planned once: for the hot
   * lookups).
   * @internal
   */
  async query<Row extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<QueryResult<Row>> {
    this.assertAvailable();
    try {
      return await this.pool.query<Row>(name === undefined ? { text, values } : { name, text, values });
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * Runs `work` in a transaction on one connection: committed when it resolves, rolled back when it throws.
   * @internal
   */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    this.assertAvailable();
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.translate(error);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw this.translate(error);
    } finally {
      client.release(broken);
    }
  }

  /** The server's clock, ms since the epoch: what leases, slots and expiries are reckoned in. */
  async now(): Promise<number> {
    const result = await this.query<{ now: number }>(`SELECT ${SERVER_NOW_MS} AS now`);
    return result.rows[0]!.now;
  }

  /**
   * Calls `listener` with each NOTIFY payload on `channel`, from any machine. While the
   * notification connection is being re-made (after a fault) nothing arrives: listeners are
   * called with '' once it is back, to look for what they may have missed.
   */
  listen(channel: string, listener: (payload: string) => void): () => void {
    let listeners = this.channelListeners.get(channel);
    if (listeners === undefined) {
      this.channelListeners.set(channel, (listeners = new Set()));
      if (this.listener !== undefined) this.listener.query(`LISTEN ${quoteIdentifier(channel)}`).catch(() => undefined);
    }
    listeners.add(listener);
    void this.ensureListener();
    return () => listeners.delete(listener);
  }

  /** Sends a notification to every machine listening on `channel` (this one included). */
  async notify(channel: string, payload = ''): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /** Stops the probe, the heartbeat and the notification connection; leaves this process off the machines list. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    clearInterval(this.heartbeatTimer);
    if (this.availableNow) await this.pool.query('DELETE FROM machines WHERE process_id = $1', [this.processId]).catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** Turns a driver error into SharedTierUnavailableError (and marks the tier unavailable) when it is about reaching the server. */
  translate(error: unknown): unknown {
    if (error instanceof SharedTierUnavailableError) return error;
    if (!isConnectionFault(error)) return error;
    return this.markUnavailable(error);
  }

  private assertAvailable(): void {
    if (this.closed) throw new SharedTierUnavailableError(this.server, 'it has been closed');
    if (!this.availableNow) throw this.lastFault ?? new SharedTierUnavailableError(this.server, 'it is being connected to');
  }

  /** Tries the server: connects, migrates once, registers this process; schedules the next try when it fails. */
  private async probe(): Promise<void> {
    if (this.closed) return;
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      if (!this.migrated) {
        await migrateSharedSchema(client, this.schema);
        this.migrated = true;
      }
      await client.query(
        `INSERT INTO machines (process_id, hostname, cache_dir, pid, started_at, last_seen) VALUES ($1, $2, $3, $4, ${SERVER_NOW_MS}, ${SERVER_NOW_MS})
         ON CONFLICT (process_id) DO UPDATE SET last_seen = excluded.last_seen`,
        [this.processId, hostname(), this.cacheDir, process.pid],
      );
      client.release();
      client = undefined;
      this.markAvailable();
    } catch (error) {
      client?.release(true);
      this.markUnavailable(error);
    }
  }

  private markAvailable(): void {
    if (this.availableNow || this.closed) return;
    const wasDown = this.lastFault !== null;
    this.availableNow = true;
    this.lastFault = null;
    clearTimeout(this.probeTimer);
    if (wasDown) this.logger.info(`datacache: the shared tier at ${this.server} is back; using it again`);
    this.heartbeatTimer ??= setInterval(() => {
      this.query(`UPDATE machines SET last_seen = ${SERVER_NOW_MS} WHERE process_id = $1`, [this.processId]).catch(() => undefined);
    }, HEARTBEAT_INTERVAL_MS).unref();
    for (const listener of this.availabilityListeners) listener(true);
    void this.ensureListener();
  }

  private markUnavailable(error: unknown): SharedTierUnavailableError {
    const fault = error instanceof SharedTierUnavailableError ? error : new SharedTierUnavailableError(this.server, describeFault(error), error);
    if (this.closed) return fault;
    const wasUp = this.availableNow;
    const firstReport = this.lastFault === null;
    this.availableNow = false;
    this.lastFault = fault;
    if (wasUp || firstReport) {
      this.logger.error(`datacache: ${fault.message}; going on with this machine's own cache until it is back`);
      for (const listener of this.availabilityListeners) listener(false);
    }
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.probe(), PROBE_INTERVAL_MS).unref();
    return fault;
  }

  /** Keeps one connection LISTENing on every channel asked for; re-made after a fault. */
  private ensureListener(): Promise<void> {
    if (this.closed || !this.availableNow || this.listener !== undefined || this.channelListeners.size === 0) return Promise.resolve();
    this.listenerConnecting ??= (async () => {
      const client = new pg.Client({ ...this.resolved.pool, ...sessionSettings(this.resolved.schema), types });
      client.on('notification', (message) => {
        for (const listener of this.channelListeners.get(message.channel) ?? []) listener(message.payload ?? '');
      });
      client.on('error', () => {
        if (this.listener === client) this.listener = undefined;
        void client.end().catch(() => undefined);
        setTimeout(() => void this.ensureListener(), 1000).unref();
      });
      try {
        await client.connect();
        for (const channel of this.channelListeners.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
        this.listener = client;
        // Anything sent while no connection listened is looked for now.
        for (const listeners of this.channelListeners.values()) for (const listener of listeners) listener('');
      } catch {
        await client.end().catch(() => undefined);
        setTimeout(() => void this.ensureListener(), 1000).unref();
      }
    })().finally(() => {
      this.listenerConnecting = undefined;
    });
    return this.listenerConnecting;
  }
}

/**
 * What every connection is opened with (startup parameters, so nothing races the first query):
 * the tier's schema on the search path; commits that do not wait for the server's disk (what
 * the tier holds can be fetched again, and nothing can be corrupted: measured 4x faster); a
 * transaction left open by a frozen process is ended by the server after 10 s, so a row lock
 * (a provider's rate limit) cannot hold every machine; TCP keep-alive and a 15 s limit on any
 * statement, so a network that silently drops packets fails calls instead of hanging them.
 */
function sessionSettings(schema: string): { options: string; keepAlive: boolean; keepAliveInitialDelayMillis: number; query_timeout: number } {
  return {
    options: `-c search_path=${quoteIdentifier(schema)} -c synchronous_commit=off -c idle_in_transaction_session_timeout=10000`,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5000,
    query_timeout: 15_000,
  };
}

/** Whether a driver error is about reaching or using the server at all, rather than a statement's own fault. */
function isConnectionFault(error: unknown): boolean {
  if (error instanceof SchemaTooNewError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08: connection exception; 28: invalid authorization; 3D000: no such database; 57P0x: shutting down, cannot connect now; 53300: too many connections.
    if (/^(08|28)/.test(code) || ['3D000', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
  }
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|connection error|Client was closed|Cannot use a pool after calling end|Query read timeout/i.test(message);
}

/** A short reason, without any password (node-postgres never puts one in its messages; the URL never reaches them). */
function describeFault(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}
