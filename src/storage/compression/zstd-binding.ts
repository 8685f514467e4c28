import { createRequire } from 'node:module';

/**
 * The zstd binding, when this platform has one: `@toondepauw/node-zstd` ships prebuilt
 * binaries in npm platform packages (nothing compiles at install), as an optional dependency.
 * Where no binary exists its import throws, and datacache compresses with deflate instead.
 * `DATACACHE_ZSTD=off` in the environment makes a process behave as if it had none (for tests,
 * or a platform whose binary misbehaves).
 */
export interface ZstdBinding {
  Encoder: new (level: number, dictionary?: Buffer | null) => ZstdEncoder;
  Decoder: new (dictionary?: Buffer | null) => ZstdDecoder;
}

export interface ZstdEncoder {
  encodeSync(data: Buffer): Buffer;
  encode(data: Buffer): Promise<Buffer>;
}

export interface ZstdDecoder {
  decodeSync(data: Buffer): Buffer;
}

// Loaded with require (the package is CommonJS), not a top-level await import: a module graph
// with top-level await cannot be require()d, and the load is synchronous anyway.
function loadZstd(): ZstdBinding | null {
  if (process.env.DATACACHE_ZSTD === 'off') return null;
  try {
    const binding = createRequire(import.meta.url)('@toondepauw/node-zstd') as Partial<ZstdBinding>;
    return binding.Encoder !== undefined && binding.Decoder !== undefined ? (binding as ZstdBinding) : null;
  } catch {
    return null;
  }
}

/** The binding, or null when this process compresses with deflate only. */
export const zstdBinding: ZstdBinding | null = loadZstd();
