import { ENTRIES_CHANNEL, INVALIDATIONS_CHANNEL, PgEntryStore, type InvalidationFilter, type SharedEntry, type SharedProcess, type SharedPut, type SharedTotals } from '../backends/postgres/pg-entry-store.js';
import type { PostgresTier } from '../backends/postgres/postgres-tier.js';
import { isDatabaseFault, SharedTierUnavailableError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { EntryFields } from './cached-entry.js';
import { foldForSearch } from './search-fold.js';

/** The most rows a search reads from the shared tier to fold and match here. */
const SEARCH_SCAN_ROWS = 20_000;
import { sha256Hex } from './content/hash.js';

/** What the storage does with an invalidation another machine recorded: remove what it matches from this machine's tier. */
export type ApplyInvalidation = (filter: InvalidationFilter) => Promise<void>;

/** Where this machine keeps the last invalidation it applied (its cache database's meta table), so a restart picks up where it stopped. */
export interface InvalidationCursor {
  read(): Promise<number | undefined>;
  write(seq: number): Promise<void>;
}

/**
 * The entries a machine stored while the shared tier was away, kept in its own database (not
 * a process's memory), so whichever of its processes sees the tier come back writes them back.
 */
export interface WriteBackList {
  add(url: string): Promise<void>;
  /** The oldest `limit` URLs waiting. */
  next(limit: number): Promise<string[]>;
  remove(url: string): Promise<void>;
  /** What to put on the shared tier for a URL (null when it is gone or broken here). */
  entryOf(url: string): Promise<SharedPut | null>;
}

/** The shared tier as `stats()` reports it. */
export interface SharedTierStats extends Partial<SharedTotals> {
  server: string;
  schema: string;
  available: boolean;
  /** Why it cannot be used, while it cannot (no password in it). */
  fault: string | null;
  budget: { maxSizeBytes: number; usedRatio: number };
  /** Processes seen within the last 30 s, by machine (host name and cache directory). */
  machines: { hostname: string; cacheDir: string; processes: number; lastSeen: number }[];
}

/** How long a listing of an artist's shared images is reused: an overlay asks for a random image again and again. */
const LISTING_TTL_MS = 5000;
/** Entries written back in one go when the tier returns (the rest on the next round, a few seconds later). */
const WRITE_BACK_BATCH = 200;
/** How often invalidations are looked for when no notification came (a missed NOTIFY, a re-made connection). */
const INVALIDATION_POLL_MS = 5000;
/**
 * How much earlier a shared entry is taken to expire here than the server says: the clocks are
 * compared over a network round trip, and an entry that expires at the edge of that error must
 * never be served as fresh.
 */
const SHARED_EXPIRY_MARGIN_MS = 1000;

/**
 * The storage's way into the shared tier: lookups by URL, cache key and artist, puts after a
 * fetch, renewals, purges and deletions shared with every machine, the shared budget, and
 * what to write back when the tier returns. Every call degrades: when the tier cannot be used
 * a lookup finds nothing and a write is remembered or dropped, never thrown at the caller (the
 * tier reports the fault once).
 */
export class SharedTierLink {
  readonly entries: PgEntryStore;
  private readonly listings = new Map<string, { at: number; rows: Promise<(EntryFields & { id: number })[]> }>();
  private readonly pendingInvalidations: InvalidationFilter[] = [];
  private writeBacks: WriteBackList | undefined;
  private writingBack: Promise<void> | undefined;
  private readonly stops: (() => void)[] = [];
  private syncing: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /**
   * How far this process's clock is ahead of the server's: shared times (expiries above all)
   * are turned into this process's clock, so that freshness is judged by one clock here.
   */
  private clockOffset = 0;

  constructor(
    readonly tier: PostgresTier,
    readonly maxSizeBytes: number,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.entries = new PgEntryStore(tier);
  }

  /** Whether the tier can be used now. */
  get available(): boolean {
    return this.tier.available;
  }

  /**
   * Starts applying other machines' purges and deletions to this machine's tier: on each
   * notification, every few seconds in case one was missed, and when the tier comes back (then
   * also writing back what was stored and purged here meanwhile). Resolves after the first
   * round, so that a machine new to the tier has its cursor before it serves anything: a purge
   * made just after it opened is then applied, not taken as already seen.
   */
  async startSync(apply: ApplyInvalidation, cursor: InvalidationCursor, writeBacks: WriteBackList): Promise<void> {
    this.writeBacks = writeBacks;
    const sync = (): void => {
      this.syncing ??= this.applyInvalidations(apply, cursor).finally(() => {
        this.syncing = undefined;
      });
    };
    const writeBack = (): void => {
      this.writingBack ??= this.writeBackPending().finally(() => {
        this.writingBack = undefined;
      });
    };
    this.stops.push(this.tier.listen(INVALIDATIONS_CHANNEL, sync));
    this.stops.push(
      this.tier.onAvailability((available) => {
        if (!available) return;
        sync();
        writeBack();
      }),
    );
    this.pollTimer = setInterval(() => {
      sync();
      writeBack();
    }, INVALIDATION_POLL_MS).unref();
    this.stops.push(this.tier.onAvailability((available) => { if (available) void this.measureClock(); }));
    sync();
    writeBack();
    await this.syncing;
  }

  /** Measures this process's clock against the server's (half the round trip taken as the server's moment). */
  async measureClock(): Promise<void> {
    const before = this.clock.now();
    const server = await this.quietly(() => this.tier.now());
    if (server === null) return;
    const after = this.clock.now();
    this.clockOffset = (before + after) / 2 - server;
  }

  /** Calls `listener` when any machine stores an entry (with its URL): how a waiter on another machine's fetch hears of it. */
  onStored(listener: (url: string) => void): () => void {
    const stop = this.tier.listen(ENTRIES_CHANNEL, listener);
    this.stops.push(stop);
    return stop;
  }

  /** The shared entry for `url`, verified against its checksum, or null (none, a bad copy, or the tier away); times in this process's clock. */
  async lookup(url: string): Promise<SharedEntry | null> {
    return this.local(await this.verified(await this.quietly(() => this.entries.get(url))));
  }

  async lookupByCachekey(cachekey: string): Promise<SharedEntry | null> {
    return this.local(await this.verified(await this.quietly(() => this.entries.getByCachekey(cachekey))));
  }

  async lookupById(id: number): Promise<SharedEntry | null> {
    return this.local(await this.verified(await this.quietly(() => this.entries.getById(id))));
  }

  /**
   * The live entries of an artist and data type on the shared tier, from a listing at most a
   * few seconds old, times in this process's clock (and judged live by it).
   */
  async live(identifier: string, dataType: string, provider: string | undefined): Promise<(EntryFields & { id: number })[]> {
    if (!this.tier.available) return [];
    const key = `${identifier}\u0000${dataType}\u0000${provider ?? ''}`;
    let cached = this.listings.get(key);
    if (cached === undefined || Date.now() - cached.at >= LISTING_TTL_MS) {
      cached = { at: Date.now(), rows: this.quietly(() => this.entries.live(identifier, dataType, provider)).then((found) => found ?? []) };
      this.listings.set(key, cached);
      if (this.listings.size > 1000) this.listings.delete(this.listings.keys().next().value!);
    }
    const now = this.clock.now();
    return (await cached.rows).map((row) => this.local(row)).filter((row) => row.expiresAt > now);
  }

  /** The shared tier's side of an identifier listing (the dashboard's artist browser). */
  async identifiers(search: string, dataTypes: readonly string[] | null, limit: number): Promise<{ identifier: string; dataType: string; entries: number; bytes: number; lastStoredAt: number }[]> {
    const folded = foldForSearch(search);
    if (folded === '') return (await this.quietly(() => this.entries.identifiers('', dataTypes, limit))) ?? [];
    // PostgreSQL has no accent folding without an extension: the tier lists more rows, and the
    // search (case and accents ignored, as on this machine) is applied here.
    const rows = (await this.quietly(() => this.entries.identifiers('', dataTypes, Math.min(SEARCH_SCAN_ROWS, limit * 50)))) ?? [];
    return rows.filter((row) => foldForSearch(row.identifier).includes(folded));
  }

  /**
   * Puts what was just stored here on the shared tier, so every machine gets it without asking
   * the origin. When the tier is away it is remembered (the newest few hundred) and written
   * back when it returns. Resolves once the shared tier has it (or cannot).
   */
  async put(put: SharedPut, storedBy: string): Promise<void> {
    try {
      const { totalBytes } = await this.entries.put(put, storedBy);
      this.forgetListings();
      if (totalBytes + put.data.length > this.maxSizeBytes) await this.entries.evict(this.maxSizeBytes, this.maxSizeBytes * 0.9, 7 * 86_400_000);
    } catch (error) {
      if (!isDatabaseFault(error)) throw error;
      await this.writeBacks?.add(put.url).catch(() => undefined);
    }
  }

  async renew(url: string, ttlMs: number, etag: string | null, lastModified: string | null): Promise<void> {
    await this.quietly(() => this.entries.renew(url, ttlMs, etag, lastModified));
  }

  /** Removes what the filter matches on the shared tier and has every machine do the same; remembered while the tier is away. */
  async invalidate(filter: InvalidationFilter): Promise<void> {
    this.forgetListings();
    try {
      await this.entries.invalidate(filter, this.tier.processId);
    } catch (error) {
      if (!isDatabaseFault(error)) throw error;
      this.pendingInvalidations.push(filter);
    }
  }

  /** Deletes long-expired entries and brings the shared tier under its budget; nothing when it is away. */
  async maintain(staleRetentionMs: number): Promise<{ expiredRemoved: number; evictedEntries: number; evictedBytes: number }> {
    const expiredRemoved = (await this.quietly(() => this.entries.removeExpired(staleRetentionMs))) ?? 0;
    const evicted =
      this.maxSizeBytes === Infinity ? { entries: 0, bytes: 0 } : ((await this.quietly(() => this.entries.evict(this.maxSizeBytes, this.maxSizeBytes * 0.9, staleRetentionMs))) ?? { entries: 0, bytes: 0 });
    return { expiredRemoved, evictedEntries: evicted.entries, evictedBytes: evicted.bytes };
  }

  async stats(): Promise<SharedTierStats> {
    const base = {
      server: this.tier.server,
      schema: this.tier.schema,
      available: this.tier.available,
      fault: this.tier.fault?.message ?? null,
      budget: { maxSizeBytes: this.maxSizeBytes, usedRatio: 0 },
      machines: [] as SharedTierStats['machines'],
    };
    const [totals, processes] = await Promise.all([this.quietly(() => this.entries.totals()), this.quietly(() => this.entries.activeProcesses())]);
    if (totals === null) return { ...base, available: this.tier.available, fault: this.tier.fault?.message ?? null };
    return { ...base, ...totals, budget: { maxSizeBytes: this.maxSizeBytes, usedRatio: this.maxSizeBytes === Infinity ? 0 : totals.bytes / this.maxSizeBytes }, machines: byMachine(processes ?? []) };
  }

  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    for (const stop of this.stops.splice(0)) stop();
    await this.syncing?.catch(() => undefined);
    await this.tier.close();
  }

  /** Applies the invalidations recorded since the cursor, in order; a machine new to the tier starts from the newest. */
  private async applyInvalidations(apply: ApplyInvalidation, cursor: InvalidationCursor): Promise<void> {
    if (!this.tier.available) return;
    try {
      let seq = await cursor.read();
      if (seq === undefined) {
        seq = await this.entries.latestInvalidation();
        await cursor.write(seq);
        return;
      }
      for (;;) {
        const batch = await this.entries.invalidationsAfter(seq);
        if (batch.length === 0) return;
        this.forgetListings();
        for (const invalidation of batch) {
          // Its own too: another of this machine's processes may have copied a purged entry back meanwhile.
          await apply(invalidation.filter);
          seq = invalidation.seq;
          await cursor.write(seq);
        }
      }
    } catch (error) {
      if (!isDatabaseFault(error)) this.logger.warn('datacache: could not apply the shared tier\'s purges here; trying again shortly', { error: String(error) });
    }
  }

  /** Writes back what was stored and purged here while the tier was away (a batch a round). */
  private async writeBackPending(): Promise<void> {
    const list = this.writeBacks;
    if (list === undefined || !this.tier.available) return;
    for (const filter of this.pendingInvalidations.splice(0)) await this.invalidate(filter);
    let written = 0;
    try {
      for (const url of await list.next(WRITE_BACK_BATCH)) {
        // The tier may go away again half-way (a getter: it changes between awaits).
        if (!tierIsUp(this.tier)) break;
        const put = await list.entryOf(url).catch(() => null);
        if (put !== null) {
          await this.entries.put(put, this.tier.processId);
          written++;
        }
        await list.remove(url);
      }
    } catch (error) {
      if (!isDatabaseFault(error)) this.logger.warn('datacache: could not write back to the shared tier; trying again shortly', { error: String(error) });
    }
    if (written > 0) {
      this.forgetListings();
      this.logger.info(`datacache: wrote ${written} entries fetched while the shared tier was away back to it`);
    }
  }

  /** Runs a shared-tier call; a tier that cannot be used gives null (it has said so already). */
  private async quietly<T>(work: () => Promise<T>): Promise<T | null> {
    if (!this.tier.available) return null;
    try {
      return await work();
    } catch (error) {
      if (error instanceof SharedTierUnavailableError || isDatabaseFault(error)) return null;
      throw error;
    }
  }

  /** A payload that does not hash to its recorded checksum is never handed out (hashed in slices, between turns of the event loop). */
  private async verified(entry: SharedEntry | null): Promise<SharedEntry | null> {
    if (entry === null) return null;
    if ((await sha256Hex(entry.data)) === entry.checksum) return entry;
    this.logger.warn('datacache: a shared entry did not match its checksum; not used', { url: entry.url });
    return null;
  }

  /** A shared row's times in this process's clock, its expiry a little early (see SHARED_EXPIRY_MARGIN_MS). */
  private local<Row extends EntryFields | null>(row: Row): Row {
    if (row === null) return row;
    const offset = this.clockOffset;
    return { ...row, createdAt: row.createdAt + offset, storedAt: row.storedAt + offset, expiresAt: row.expiresAt + offset - SHARED_EXPIRY_MARGIN_MS, lastAccessed: row.lastAccessed + offset };
  }

  private forgetListings(): void {
    this.listings.clear();
  }
}

function byMachine(processes: readonly SharedProcess[]): SharedTierStats['machines'] {
  const machines = new Map<string, SharedTierStats['machines'][number]>();
  for (const process of processes) {
    const key = `${process.hostname}\u0000${process.cacheDir}`;
    const machine = machines.get(key) ?? { hostname: process.hostname, cacheDir: process.cacheDir, processes: 0, lastSeen: 0 };
    machine.processes++;
    machine.lastSeen = Math.max(machine.lastSeen, process.lastSeen);
    machines.set(key, machine);
  }
  return [...machines.values()];
}

function tierIsUp(tier: PostgresTier): boolean {
  return tier.available;
}
