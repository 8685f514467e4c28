import type { JsonObject } from '../validation.js';
import { decodeValue, publicValueType, type StoredValueType, type ValueType } from './value-codec.js';

/** The columns of one cache row that describe an entry, without its data. */
export interface EntryFields {
  url: string;
  cachekey: string;
  identifier: string;
  dataType: string;
  provider: string;
  statusCode: number;
  storedType: StoredValueType;
  metadataText: string | null;
  mimeType: string | null;
  checksum: string;
  size: number;
  etag: string | null;
  lastModified: string | null;
  createdAt: number;
  storedAt: number;
  expiresAt: number;
  lastAccessed: number;
  accessCount: number;
}

/**
 * What datacache knows about a cached URL, without its data: the answer of
 * `retrieveByIdentifier`. Times are milliseconds since the Unix epoch.
 */
export class CachedEntrySummary {
  readonly url: string;
  /** A UUID given when the URL was first stored and kept on every later store of it. */
  readonly cachekey: string;
  readonly identifier: string;
  readonly dataType: string;
  readonly provider: string;
  /** 200 for content; another status (404, say) for a negative entry, whose data is empty. */
  readonly statusCode: number;
  readonly mimeType: string | null;
  /** Lower-case hex SHA-256 of `data`. */
  readonly checksum: string;
  /** Bytes of `data`. */
  readonly size: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** When the URL was first stored. */
  readonly createdAt: number;
  /** When the current data was stored. */
  readonly storedAt: number;
  readonly expiresAt: number;
  /** Last read as recorded in the database; reads are recorded in batches, so this can lag by a second or so. */
  readonly lastAccessed: number;
  readonly accessCount: number;
  /** True when the entry has expired and was returned only because the caller allowed stale answers. */
  readonly stale: boolean;
  /** Whether the stored value was bytes, a string or JSON. */
  readonly valueType: ValueType;
  protected readonly storedType: StoredValueType;
  private readonly metadataText: string | null;
  private parsedMetadata: JsonObject | undefined;

  constructor(fields: EntryFields, stale: boolean) {
    this.url = fields.url;
    this.cachekey = fields.cachekey;
    this.identifier = fields.identifier;
    this.dataType = fields.dataType;
    this.provider = fields.provider;
    this.statusCode = fields.statusCode;
    this.mimeType = fields.mimeType;
    this.checksum = fields.checksum;
    this.size = fields.size;
    this.etag = fields.etag;
    this.lastModified = fields.lastModified;
    this.createdAt = fields.createdAt;
    this.storedAt = fields.storedAt;
    this.expiresAt = fields.expiresAt;
    this.lastAccessed = fields.lastAccessed;
    this.accessCount = fields.accessCount;
    this.stale = stale;
    this.storedType = fields.storedType;
    this.valueType = publicValueType(fields.storedType);
    this.metadataText = fields.metadataText;
  }

  /** The metadata stored with the entry (`{}` when none was given). Parsed on first use. */
  get metadata(): JsonObject {
    this.parsedMetadata ??= this.metadataText === null ? {} : (JSON.parse(this.metadataText) as JsonObject);
    return this.parsedMetadata;
  }
}

/**
 * A cached entry with its data: the answer of `store`, `retrieveByUrl`, `retrieveByCachekey`
 * and `retrieveRandom`.
 *
 * @example
 * const entry = await storage.retrieveByUrl('https://musicbrainz.org/ws/2/artist/…');
 * if (entry) console.log(entry.json(), entry.stale);
 */
export class CachedEntry extends CachedEntrySummary {
  /** The stored bytes (UTF-8 text or JSON text for string and JSON values). */
  readonly data: Buffer;

  constructor(fields: EntryFields, data: Buffer, stale: boolean) {
    super(fields, stale);
    this.data = data;
  }

  /** The data as UTF-8 text. */
  text(): string {
    return this.data.toString('utf8');
  }

  /**
   * The data parsed as JSON. For a JSON value stored with bytes inside, the bytes come back
   * as Buffers; for bytes or text (an HTTP body, say) the bytes are parsed as UTF-8 JSON.
   * Throws a SyntaxError when the data is not JSON.
   */
  json<T = unknown>(): T {
    return (this.storedType === 'json-tagged' ? decodeValue(this.data, this.storedType) : JSON.parse(this.text())) as T;
  }

  /** The value exactly as it was stored: a Buffer for bytes, a string for text, the JSON value for JSON. */
  value(): unknown {
    return decodeValue(this.data, this.storedType);
  }
}
