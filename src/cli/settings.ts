import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DataCacheProvidersOptions, ProviderConfig } from '../providers/provider-options.js';
import { defaultCacheDirectory } from '../storage/cache-directory.js';
import { isPlainObject } from '../validation.js';

/** The options every command takes. */
export interface GlobalOptions {
  cacheDir?: string;
  userAgent?: string;
  /** The shared tier's postgres:// URL. */
  shared?: string;
  verbose?: boolean;
}

/**
 * Names DATACACHE_<NAME>_URL does not read as a provider's base URL: DATACACHE_SHARED_URL is
 * the shared tier's address, not a provider called "shared".
 */
const RESERVED_NAMES = new Set(['shared']);

export const CONFIG_FILE_NAME = 'config.json';

/**
 * Where the CLI's settings come from, strongest first:
 * 1. command-line options (`--cache-dir`, `--user-agent`, `--shared`);
 * 2. the environment: `DATACACHE_DIR`, `DATACACHE_USER_AGENT`, `DATACACHE_SHARED_URL`,
 *    `DATACACHE_<PROVIDER>_URL` (so `DATACACHE_MUSICBRAINZ_URL` for a mirror) and
 *    `DATACACHE_<PROVIDER>_API_KEY`;
 * 3. `config.json` in the cache directory: `{ "userAgent", "maxSizeBytes", "shared",
 *    "sharedMaxSizeBytes", "jobRetries": { "attempts", "firstDelayMs", "maxDelayMs" }, "providers": { name: { "baseUrl", "apiKey", "ratePerSecond"
 *    ("unlimited" for none), "burst", "ttlSeconds", "timeoutMs" } } }`.
 * A user sets a mirror or a key once, in the file or the environment.
 */
export async function resolveSettings(
  flags: GlobalOptions,
  environment: NodeJS.ProcessEnv = process.env,
  logger?: Logger,
): Promise<DataCacheProvidersOptions & { cacheDir: string }> {
  const cacheDir = flags.cacheDir !== undefined ? resolve(flags.cacheDir) : defaultCacheDirectory(environment);
  const file = await readConfigFile(join(cacheDir, CONFIG_FILE_NAME));
  // Keyed by names from a file and the environment: no prototype, so "__proto__" or
  // DATACACHE_CONSTRUCTOR_URL is a provider like any other, not Object's own property.
  const providers = Object.create(null) as Record<string, ProviderConfig>;
  for (const [name, config] of Object.entries(file.providers ?? {})) providers[name] = { ...config };
  for (const [variable, value] of Object.entries(environment)) {
    const match = /^DATACACHE_([A-Z0-9]+)_(URL|API_KEY)$/.exec(variable);
    if (match === null || value === undefined || value.trim() === '') continue;
    const name = match[1]!.toLowerCase();
    if (RESERVED_NAMES.has(name)) continue;
    const provider = Object.hasOwn(providers, name) ? providers[name]! : (providers[name] = {});
    if (match[2] === 'URL') provider.baseUrl = value.trim();
    else provider.apiKey = value.trim();
  }
  return {
    cacheDir,
    userAgent: flags.userAgent ?? environment.DATACACHE_USER_AGENT ?? file.userAgent,
    maxSizeBytes: file.maxSizeBytes,
    ...(file.jobRetries === undefined ? {} : { jobRetries: file.jobRetries as DataCacheProvidersOptions['jobRetries'] }),
    providers,
    logger,
    ...sharedSettings(flags.shared ?? nonEmpty(environment.DATACACHE_SHARED_URL) ?? file.shared, file.sharedMaxSizeBytes),
    ...(file.onCorruptDatabase === undefined ? {} : { storage: { onCorruptDatabase: file.onCorruptDatabase } }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function sharedSettings(shared: unknown, sharedMaxSizeBytes: unknown): Pick<DataCacheProvidersOptions, 'shared' | 'sharedMaxSizeBytes'> {
  return {
    ...(shared === undefined ? {} : { shared: shared as DataCacheProvidersOptions['shared'] }),
    ...(sharedMaxSizeBytes === undefined ? {} : { sharedMaxSizeBytes: sharedMaxSizeBytes as number }),
  };
}

interface ConfigFile {
  userAgent?: string;
  maxSizeBytes?: number;
  /** The shared tier: a postgres:// URL or a pool config object. */
  shared?: unknown;
  sharedMaxSizeBytes?: unknown;
  providers?: Record<string, ProviderConfig>;
  /** How failed queued jobs are retried: `{ "attempts", "firstDelayMs", "maxDelayMs" }` (checked by DataCacheProviders). */
  jobRetries?: unknown;
  /** "reset": a corrupt database is moved aside (datacache.sqlite.corrupt-<time>) and the cache starts empty. */
  onCorruptDatabase?: 'error' | 'reset';
}

/** A settings file is a few hundred bytes; anything near this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CONFIG_BYTES) throw new InvalidArgumentError(`the settings file ${path} is ${size} bytes; a settings file is a few hundred. Fix or remove it.`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidArgumentError(`cannot read the settings file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`the settings file ${path} is not valid JSON (${(error as Error).message}); fix or remove it.`);
  }
  if (!isPlainObject(parsed)) throw new InvalidArgumentError(`the settings file ${path} must hold a JSON object.`);
  const providers = parsed.providers;
  if (providers !== undefined && !isPlainObject(providers)) throw new InvalidArgumentError(`"providers" in ${path} must be an object keyed by provider name.`);
  // JSON has no Infinity: "unlimited" stands for it.
  for (const config of Object.values(providers ?? {})) {
    if (isPlainObject(config) && config.ratePerSecond === 'unlimited') config.ratePerSecond = Infinity;
  }
  return parsed;
}
