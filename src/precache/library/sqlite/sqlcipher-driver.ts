import type { SqliteDriver } from './open-library-database.js';

/**
 * The optional SQLCipher-capable build of better-sqlite3 (same API, SQLite3MultipleCiphers
 * inside). Not a dependency: it compiles from source where no prebuilt binary downloads, so
 * datacache only uses it when the user has installed it.
 */
export const SQLCIPHER_PACKAGE = 'better-sqlite3-multiple-ciphers';

/** Loads a SQLCipher-capable driver, or gives undefined when none is installed. */
export type SqlCipherLoader = () => Promise<SqliteDriver | undefined>;

/** Imports {@link SQLCIPHER_PACKAGE} if it is installed; any other failure (a broken native build) is thrown. */
export const loadSqlCipherDriver: SqlCipherLoader = async () => {
  // A variable, so TypeScript and bundlers do not require the optional package to exist.
  const specifier: string = SQLCIPHER_PACKAGE;
  try {
    const module = (await import(specifier)) as { default: SqliteDriver };
    return module.default;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
};
