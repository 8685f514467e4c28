import type { Clock } from '../../clock.js';
import type { SqliteConnection } from '../../backends/sqlite/connection.js';
import type { CompressionStatements, DictionaryInfo } from '../../backends/sqlite/compression-statements.js';
import type { Dictionary } from './entry-codec.js';

/** How often a process looks for dictionaries other processes trained. */
const REFRESH_INTERVAL_MS = 60_000;

/**
 * The compression dictionaries this process knows: the newest of each provider and data type
 * (what stores compress with), and any older one an entry still names (loaded when read).
 * Dictionaries never change once written, so a loaded one is kept for the life of the process;
 * the list of newest ones is refreshed once a minute, a dictionary trained here at once.
 */
export class DictionaryRegistry {
  private newest = new Map<string, DictionaryInfo>();
  private readonly loaded = new Map<number, Dictionary>();
  private refreshedAt = -Infinity;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly statements: CompressionStatements,
    private readonly clock: Clock,
  ) {}

  /** The newest dictionary of a group, when this process has it loaded; null otherwise. */
  newestFor(provider: string, dataType: string): Dictionary | null {
    const info = this.newest.get(groupKey(provider, dataType));
    return info === undefined ? null : (this.loaded.get(info.id) ?? null);
  }

  /** What is known of the newest dictionary of a group (its sample bytes decide retraining). */
  infoFor(provider: string, dataType: string): DictionaryInfo | undefined {
    return this.newest.get(groupKey(provider, dataType));
  }

  /** Refreshes the list when it is older than a minute; cheap otherwise. */
  refreshIfDue(): Promise<void> | undefined {
    if (this.clock.now() - this.refreshedAt < REFRESH_INTERVAL_MS) return undefined;
    return this.refresh();
  }

  /** Reads the newest dictionary of every group and loads the ones not loaded yet. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const newest = await this.connection.read('reading compression dictionaries', () => this.statements.newestDictionaries.all());
        for (const info of newest) await this.byId(info.id);
        this.newest = new Map(newest.map((info) => [groupKey(info.provider, info.dataType), info]));
        this.refreshedAt = this.clock.now();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** A dictionary by id (from memory, else the database), or null when it no longer exists. */
  async byId(id: number): Promise<Dictionary | null> {
    const known = this.loaded.get(id);
    if (known !== undefined) return known;
    const content = await this.connection.read('reading a compression dictionary', () => this.statements.dictionaryContent.get(id));
    if (content === undefined) return null;
    const dictionary = { id, content };
    this.loaded.set(id, dictionary);
    return dictionary;
  }

  /** Records a dictionary this process just wrote as the newest of its group. */
  adopt(info: DictionaryInfo, content: Buffer): void {
    this.loaded.set(info.id, { id: info.id, content });
    this.newest.set(groupKey(info.provider, info.dataType), info);
  }

  /** Forgets dictionaries that were dropped. */
  forget(ids: readonly number[]): void {
    for (const id of ids) this.loaded.delete(id);
  }

  get count(): number {
    return this.newest.size;
  }
}

function groupKey(provider: string, dataType: string): string {
  return `${provider}\u0000${dataType}`;
}
