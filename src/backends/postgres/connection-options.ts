import { InvalidArgumentError } from '../../errors.js';
import { describeValue, isPlainObject } from '../../validation.js';

/**
 * How to reach the shared tier: a `postgres://` or `postgresql://` URL, or the fields of a
 * node-postgres pool config. `schema` (also `?schema=` on a URL) names the PostgreSQL schema
 * datacache keeps its tables in; default `datacache`.
 */
export type SharedOption = string | SharedConfig;

export interface SharedConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** TLS: true, or `{ rejectUnauthorized, ca }`. */
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string };
  /** Connections this process keeps open at most. Default 10. */
  max?: number;
  schema?: string;
  /** How long connecting may take before the server counts as unreachable. Default 5000 ms. */
  connectionTimeoutMillis?: number;
}

/** A checked shared option: what node-postgres takes, the schema, and how to name the server without its password. */
export interface ResolvedShared {
  pool: Omit<SharedConfig, 'schema' | 'max' | 'connectionTimeoutMillis'> & { max: number; connectionTimeoutMillis: number };
  schema: string;
  /** `user@host:port/database`: for messages, logs and stats. */
  server: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a `shared` option and returns what the shared tier needs. A malformed URL or field is
 * an InvalidArgumentError naming `name` (the option as the user wrote it); the password never
 * appears in any message.
 *
 * @example resolveSharedOption('shared', 'postgres://dj:secret@studio.lan:5432/cache?schema=station')
 * // { schema: 'station', server: 'dj@studio.lan:5432/cache', pool: { … } }
 */
export function resolveSharedOption(name: string, value: unknown): ResolvedShared {
  if (typeof value === 'string') return fromUrl(name, value, {});
  if (!isPlainObject(value)) {
    throw new InvalidArgumentError(`${name} must be a postgres:// URL or an object of connection settings ({ host, port, user, password, database, … }), got ${describeValue(value)}.`);
  }
  const config = value as SharedConfig;
  const known = new Set(['connectionString', 'host', 'port', 'user', 'password', 'database', 'ssl', 'max', 'schema', 'connectionTimeoutMillis']);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new InvalidArgumentError(`${name}.${key} is not a setting datacache takes (it takes ${[...known].join(', ')}).`);
  }
  const common = {
    max: optionalWhole(`${name}.max`, config.max, 10, 1, 1000),
    connectionTimeoutMillis: optionalWhole(`${name}.connectionTimeoutMillis`, config.connectionTimeoutMillis, 5000, 100, 600_000),
    ssl: requireSsl(`${name}.ssl`, config.ssl),
  };
  const schema = config.schema === undefined ? undefined : requireSchema(`${name}.schema`, config.schema);
  if (config.connectionString !== undefined) {
    if (typeof config.connectionString !== 'string') throw new InvalidArgumentError(`${name}.connectionString must be a postgres:// URL.`);
    const fromString = fromUrl(`${name}.connectionString`, config.connectionString, common);
    return schema === undefined ? fromString : { ...fromString, schema };
  }
  const host = optionalText(`${name}.host`, config.host) ?? 'localhost';
  const port = optionalWhole(`${name}.port`, config.port, 5432, 1, 65_535);
  const user = optionalText(`${name}.user`, config.user);
  const database = optionalText(`${name}.database`, config.database);
  if (config.password !== undefined && typeof config.password !== 'string') throw new InvalidArgumentError(`${name}.password must be a string.`);
  return {
    pool: { host, port, ...(user === undefined ? {} : { user }), ...(config.password === undefined ? {} : { password: config.password }), ...(database === undefined ? {} : { database }), ...common, ...(common.ssl === undefined ? {} : { ssl: common.ssl }) },
    schema: schema ?? 'datacache',
    server: describeServer(user, host, port, database),
  };
}

function fromUrl(name: string, text: string, common: Partial<ResolvedShared['pool']>): ResolvedShared {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`${name} must be a postgres:// URL such as postgres://user:password@host:5432/database, got something that is not a URL.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidArgumentError(`${name} must start with postgres:// or postgresql://, got ${url.protocol}//.`);
  }
  if (url.hostname === '' && !url.searchParams.has('host')) throw new InvalidArgumentError(`${name} names no host: postgres://user:password@host:5432/database.`);
  const schemaParameter = url.searchParams.get('schema');
  const schema = schemaParameter === null ? 'datacache' : requireSchema(`${name} (?schema=)`, schemaParameter);
  url.searchParams.delete('schema');
  const user = url.username === '' ? undefined : decodeURIComponent(url.username);
  const port = url.port === '' ? 5432 : Number(url.port);
  const database = url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : undefined;
  return {
    pool: { max: 10, connectionTimeoutMillis: 5000, ...common, connectionString: url.toString() },
    schema,
    server: describeServer(user, url.hostname || (url.searchParams.get('host') ?? 'localhost'), port, database),
  };
}

function describeServer(user: string | undefined, host: string, port: number, database: string | undefined): string {
  return `${user === undefined ? '' : `${user}@`}${host}:${port}/${database ?? user ?? ''}`;
}

function requireSchema(name: string, value: unknown): string {
  if (typeof value !== 'string' || !SCHEMA_NAME.test(value)) {
    throw new InvalidArgumentError(`${name} must be a PostgreSQL schema name of lower-case letters, digits and underscores (at most 63, not starting with a digit), got ${describeValue(value)}.`);
  }
  return value;
}

function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 255) throw new InvalidArgumentError(`${name} must be a non-empty string, got ${describeValue(value)}.`);
  return value;
}

function optionalWhole(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got ${describeValue(value)}.`);
  }
  return value;
}

function requireSsl(name: string, value: unknown): SharedConfig['ssl'] {
  if (value === undefined || typeof value === 'boolean') return value;
  if (isPlainObject(value) && Object.keys(value).every((key) => key === 'rejectUnauthorized' || key === 'ca')) return value;
  throw new InvalidArgumentError(`${name} must be true, false or { rejectUnauthorized, ca }, got ${describeValue(value)}.`);
}
