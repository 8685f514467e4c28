import { lstat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { DEFAULT_MAX_BYTES } from '../../client/fetch-request.js';
import { InvalidArgumentError } from '../../errors.js';
import { createProviders, type DataCacheProviders } from '../../providers/data-cache-providers.js';
import type { DataCacheProvidersOptions } from '../../providers/provider-options.js';
import { redactUrl } from '../../redaction.js';
import { optionalFiniteNumber, requireOptionsObject, requireString } from '../../validation.js';
import { artistInApicacheKey, artistNamesInAnswer, MAX_ANSWER_BYTES_FOR_NAMES } from './wnp-answer-names.js';
import { WnpArtistNames } from './wnp-artist-names.js';
import { openWnpDatabase, type WnpDatabase, type WnpReadMode } from './wnp-database.js';
import { WNP_IMAGE_TYPES } from './wnp-data-types.js';
import { convertWnpRow, parseObject, type WnpSkipReason } from './wnp-entry.js';
import { defaultWnpCacheDirectory, WNP_DATABASE_FILE, type WnpLocationOptions } from './wnp-locations.js';
import { pendingFetch, type WnpPendingSkipReason } from './wnp-pending.js';
import { wnpNameRows, wnpPendingRows, wnpRows } from './wnp-rows.js';
import type { ProviderUrlRules } from './wnp-urls.js';

/** What to import, and where from. */
export interface ImportWnpOptions {
  /**
   * whats-now-playing's cache directory (or its `datacache.sqlite`). Default: where
   * whats-now-playing keeps it on this computer (see defaultWnpCacheDirectory).
   */
  from?: string;
  /** More artist names to match image identifiers against (a DJ library's artists, say). */
  artistNames?: Iterable<string>;
  /**
   * How long after expiry an entry is still imported, as a stale answer for when a service
   * fails (datacache keeps expired entries that long too). Default 7 days.
   */
  staleWindowSeconds?: number;
  /** Called after each chunk of rows: for a progress bar. */
  onProgress?: (progress: WnpImportProgress) => void;
  /** Whose computer the default `from` is looked for on (platform, home, environment): this process's by default. */
  defaultLocation?: WnpLocationOptions;
}

export interface WnpImportProgress {
  phase: 'names' | 'entries' | 'queue';
  done: number;
  total: number;
}

/** The settings of the datacache cache to import into, as for createProviders, and what to import. */
export type ImportWnpCacheOptions = ImportWnpOptions & Pick<DataCacheProvidersOptions, 'cacheDir' | 'providers' | 'shared' | 'logger' | 'maxSizeBytes' | 'storage'>;

/** What an import did: counts by outcome and reason, with examples of what was left out. */
export interface WnpImportReport {
  /** The whats-now-playing directory read. */
  from: string;
  /** The datacache cache directory written. */
  cacheDir: string;
  readMode: WnpReadMode;
  entries: {
    /** Rows in whats-now-playing's `cached_data`. */
    found: number;
    imported: number;
    /** Already in the datacache cache (an earlier import, or fetched by datacache): kept as they are. */
    alreadyPresent: number;
    /** Imported although expired, as stale answers for when a service fails. */
    importedStale: number;
    /** Imported remembered "not found" answers. */
    importedNegative: number;
    /** Imported entries by datacache data type. */
    byDataType: Record<string, number>;
    skipped: Partial<Record<WnpSkipReason, number>>;
  };
  /** Artist images: squashed identifiers matched to an artist name, and the distinct ones not matched. */
  identifiers: { mapped: number; unmapped: number; unmappedExamples: string[] };
  /** Imported entries whose URL lost a key or password on the way. */
  keysRemoved: number;
  /** Imported entries that kept whats-now-playing's colour palette (in `metadata.palette`). */
  palettesKept: number;
  queue: {
    found: number;
    queued: number;
    /** Waiting in whats-now-playing, but the answer is in the datacache cache already. */
    alreadyCached: number;
    /** Waiting in datacache's queue already (an earlier import, say). */
    alreadyQueued: number;
    skipped: Partial<Record<WnpPendingSkipReason | 'refused', number>>;
  };
  /** Up to 20 rows left out, with the reason (URLs redacted). */
  skippedExamples: { url: string; reason: string }[];
  durationMs: number;
}

const DEFAULT_STALE_WINDOW_SECONDS = 7 * 86_400;
const MAX_EXAMPLES = 20;

/**
 * Copies a whats-now-playing cache into a datacache cache, leaving whats-now-playing's
 * directory exactly as it was (safe while whats-now-playing runs): every usable entry, with
 * datacache's data types, artist identifiers and provider URLs (no key in them), colour
 * palettes in `metadata.palette`, and the fetches its queue still waits for. Each entry is
 * stored in its own short transaction, so the app using the cache meanwhile never waits long.
 * Run it again at any time: what the cache has already is skipped.
 *
 * @example
 * const report = await importWnpCache({ userAgent: 'MyApp/1.0 ( me@example.org )' });
 * console.log(`${report.entries.imported} imported, ${report.queue.queued} fetches queued`);
 */
export async function importWnpCache(options: ImportWnpCacheOptions = {}): Promise<WnpImportReport> {
  const input = requireOptionsObject('importWnpCache options', options) as ImportWnpCacheOptions;
  const { from, artistNames, staleWindowSeconds, onProgress, defaultLocation, ...cacheOptions } = input;
  const providers = createProviders({ ...cacheOptions, unusableCache: 'throw' });
  try {
    await providers.initialize();
    const importOptions: ImportWnpOptions = { from, artistNames, staleWindowSeconds, onProgress, defaultLocation };
    return await importWnpCacheInto(providers, importOptions);
  } finally {
    await providers.close();
  }
}

/** importWnpCache into providers the caller has opened (the command line's, say). */
export async function importWnpCacheInto(providers: DataCacheProviders, options: ImportWnpOptions = {}): Promise<WnpImportReport> {
  const started = Date.now();
  const wnpDirectory = await resolveWnpDirectory(options.from, options.defaultLocation);
  if (resolve(wnpDirectory) === resolve(providers.cacheDir)) {
    throw new InvalidArgumentError(`${wnpDirectory} is whats-now-playing's cache directory; import into a datacache cache directory of its own (the default, or another --cache-dir).`);
  }
  const staleWindowMs = optionalFiniteNumber('staleWindowSeconds', options.staleWindowSeconds, DEFAULT_STALE_WINDOW_SECONDS, { min: 0 }) * 1000;
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidArgumentError('onProgress must be a function.');
  await providers.initialize();
  const urlRules: ProviderUrlRules = { cacheUrl: (provider, url) => providers.api.cacheUrl(provider, url), hasApiKey: (provider) => providers.hasApiKey(provider) };
  const source = await openWnpDatabase(wnpDirectory, providers.cacheDir);
  try {
    const report = emptyReport(wnpDirectory, providers.cacheDir, source.mode);
    const names = await collectNames(source, options, report);
    await importEntries(providers, source, { wnpDirectory, names, urlRules, staleWindowMs, onProgress: options.onProgress }, report);
    await importPending(providers, source, names, urlRules, options.onProgress, report);
    report.durationMs = Date.now() - started;
    return report;
  } finally {
    await source.close();
  }
}

/** The directory given (or the one holding the given database file), else whats-now-playing's default. */
async function resolveWnpDirectory(from: string | undefined, defaultLocation: WnpLocationOptions | undefined): Promise<string> {
  if (from === undefined) {
    const found = defaultWnpCacheDirectory(defaultLocation);
    if ((await lstat(found).catch(() => undefined)) === undefined) {
      throw new InvalidArgumentError(`No whats-now-playing cache at its default place (${found}); give its directory.`);
    }
    return found;
  }
  const path = resolve(requireString('from', from, { maxLength: 4096 }));
  const details = await lstat(path).catch(() => undefined);
  if (details === undefined) throw new InvalidArgumentError(`${path} does not exist; give whats-now-playing's cache directory.`);
  return details.isFile() && basename(path) === WNP_DATABASE_FILE ? dirname(path) : path;
}

function emptyReport(from: string, cacheDir: string, readMode: WnpReadMode): WnpImportReport {
  return {
    from,
    cacheDir,
    readMode,
    entries: { found: 0, imported: 0, alreadyPresent: 0, importedStale: 0, importedNegative: 0, byDataType: {}, skipped: {} },
    identifiers: { mapped: 0, unmapped: 0, unmappedExamples: [] },
    keysRemoved: 0,
    palettesKept: 0,
    queue: { found: 0, queued: 0, alreadyCached: 0, alreadyQueued: 0, skipped: {} },
    skippedExamples: [],
    durationMs: 0,
  };
}

/** The artist names the cache holds: identifiers of API answers, the artists they name, metadata, and the caller's. */
async function collectNames(source: WnpDatabase, options: ImportWnpOptions, report: WnpImportReport): Promise<WnpArtistNames> {
  const names = new WnpArtistNames();
  if (options.artistNames !== undefined) {
    for (const name of options.artistNames) if (typeof name === 'string') names.add(name);
  }
  const total = (source.database.prepare('SELECT count(*) AS count FROM cached_data').get() as { count: number }).count;
  report.entries.found = total;
  let done = 0;
  const breathe = pauser(3, 0);
  for await (const rows of wnpNameRows(source, WNP_IMAGE_TYPES, MAX_ANSWER_BYTES_FOR_NAMES)) {
    for (const row of rows) {
      await breathe();
      if (!WNP_IMAGE_TYPES.has(row.data_type)) names.add(row.identifier);
      const apicacheArtist = artistInApicacheKey(row.url);
      if (apicacheArtist !== undefined) names.add(apicacheArtist);
      for (const name of metadataNames(row.metadata)) names.add(name);
      const answer = parseObject(row.answer, MAX_ANSWER_BYTES_FOR_NAMES);
      if (answer !== undefined) for (const name of artistNamesInAnswer(answer)) names.add(name);
    }
    done += rows.length;
    options.onProgress?.({ phase: 'names', done, total });
  }
  return names;
}

/** The artist a row's metadata names, where whats-now-playing and apps put one. */
function metadataNames(text: string | null): string[] {
  const metadata = parseObject(text);
  if (metadata === undefined) return [];
  return ['artist', 'artist_name', 'artistName'].map((field) => metadata[field]).filter((value): value is string => typeof value === 'string');
}

interface EntryContext {
  wnpDirectory: string;
  names: WnpArtistNames;
  urlRules: ProviderUrlRules;
  staleWindowMs: number;
  onProgress: ((progress: WnpImportProgress) => void) | undefined;
}

async function importEntries(providers: DataCacheProviders, source: WnpDatabase, context: EntryContext, report: WnpImportReport): Promise<void> {
  const storage = providers.client.storage;
  const unmapped = new Set<string>();
  let done = 0;
  const makeRoom = pauser(WORK_MS, PAUSE_MS);
  for await (const rows of wnpRows(source)) {
    for (const row of rows) {
      await makeRoom();
      const converted = await convertWnpRow(row, { ...context, now: Date.now(), maxBytes: DEFAULT_MAX_BYTES });
      if (typeof converted === 'string') {
        skip(report, row.url ?? `row ${String(row.rowid)} (URL too long)`, converted);
        continue;
      }
      const { request } = converted;
      if ((await storage.retrieveSummaryByUrl(request.url, { allowStale: true })) !== null) {
        report.entries.alreadyPresent++;
        continue;
      }
      try {
        await storage.store(request);
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        skip(report, request.url, 'refused', error.message);
        continue;
      }
      report.entries.imported++;
      report.entries.byDataType[request.dataType] = (report.entries.byDataType[request.dataType] ?? 0) + 1;
      if (converted.stale) report.entries.importedStale++;
      if (request.statusCode !== undefined) report.entries.importedNegative++;
      if (converted.keyRemoved) report.keysRemoved++;
      if (converted.paletteKept) report.palettesKept++;
      if (converted.identifierMapped === true) report.identifiers.mapped++;
      if (converted.identifierMapped === false) {
        report.identifiers.unmapped++;
        unmapped.add(request.identifier);
      }
    }
    done += rows.length;
    context.onProgress?.({ phase: 'entries', done, total: report.entries.found });
  }
  report.identifiers.unmappedExamples = [...unmapped].slice(0, MAX_EXAMPLES);
}

function skip(report: WnpImportReport, url: string, reason: WnpSkipReason, detail?: string): void {
  report.entries.skipped[reason] = (report.entries.skipped[reason] ?? 0) + 1;
  if (report.skippedExamples.length < MAX_EXAMPLES) report.skippedExamples.push({ url: redactUrl(url), reason: detail === undefined ? reason : `${reason}: ${detail}` });
}

async function importPending(
  providers: DataCacheProviders,
  source: WnpDatabase,
  names: WnpArtistNames,
  urlRules: ProviderUrlRules,
  onProgress: ((progress: WnpImportProgress) => void) | undefined,
  report: WnpImportReport,
): Promise<void> {
  if (!source.hasPendingRequests) return;
  const total = (source.database.prepare('SELECT count(*) AS count FROM pending_requests').get() as { count: number }).count;
  const skipped = report.queue.skipped;
  for await (const rows of wnpPendingRows(source)) {
    for (const row of rows) {
      report.queue.found++;
      const request = pendingFetch(row, names, urlRules);
      if (typeof request === 'string') {
        skipped[request] = (skipped[request] ?? 0) + 1;
        continue;
      }
      if ((await providers.client.storage.retrieveSummaryByUrl(request.url)) !== null) {
        report.queue.alreadyCached++;
        continue;
      }
      const job = await providers.client.queue.get(request.url);
      if (job !== null && (job.state === 'pending' || job.state === 'running')) {
        report.queue.alreadyQueued++;
        continue;
      }
      try {
        await providers.client.getOrFetch(request);
        report.queue.queued++;
      } catch (error) {
        if (!(error instanceof InvalidArgumentError)) throw error;
        skipped.refused = (skipped.refused ?? 0) + 1;
      }
    }
    onProgress?.({ phase: 'queue', done: report.queue.found, total });
  }
}

/** Work between pauses of the entries pass, and the pause. */
const WORK_MS = 25;
const PAUSE_MS = 10;

/**
 * Pauses after every `workMs` of work since the last pause: `pauseMs` 0 gives the event loop a
 * turn (the names pass parses answers, synchronous work); the entries pass pauses 10 ms after
 * every 25 ms of stores. Each entry is stored in its own short transaction, but back to back
 * they would hold the write lock most of the time, and another process of the app waiting for
 * it polls every 1-16 ms and could keep missing the gaps (its stores waited up to 231 ms during
 * a 31,579-row import; 59 ms with the pauses, for about a third more import time).
 */
function pauser(workMs: number, pauseMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < workMs) return;
    await new Promise((resolve) => (pauseMs === 0 ? setImmediate(resolve) : setTimeout(resolve, pauseMs)));
    since = performance.now();
  };
}
