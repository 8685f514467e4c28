import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { zstdBinding, type ZstdBinding, type ZstdDecoder, type ZstdEncoder } from './zstd-binding.js';

/**
 * Compresses entry payloads and gives them back byte for byte.
 *
 * An entry's `codec` column names how its bytes were written: `zstd-1` (at store time: about
 * 17 µs for 2 KB), `zstd-15`, `zstd-12` or `zstd-9` (maintenance packs entries again, see
 * `packingCodec`: 15-20 % smaller), or `deflate-6` (a process without the zstd binding; every process reads it).
 * NULL is stored as it is. A dictionary, when the entry names one, is the same raw bytes for
 * every codec (deflate uses its last 32 KiB).
 */
export type CodecName = `zstd-${number}` | `deflate-${number}`;

/** A compression dictionary: immutable once written, so its id names its bytes for ever. */
export interface Dictionary {
  id: number;
  content: Buffer;
}

/** What a payload became: null when compressing did not pay. */
export interface CompressedPayload {
  codec: CodecName;
  data: Buffer;
}

/** The store-time level: fast enough to add little to a store. */
export const STORE_LEVEL = 1;
/**
 * The codec maintenance packs a payload of `length` bytes with. With a dictionary: level 15
 * (0.1 ms for 2 KB, 3 ms for 24 KB; within 1 % of level 19, which took 10 ms for 24 KB), 12
 * above 24 KB so no call holds the event loop long. Without one, level 9: the binding builds a
 * fresh context per call, and above level 9 that alone took 30-45 ms (measured), dictionary-less.
 */
export function packingCodec(length: number, withDictionary: boolean): CodecName {
  if (!withDictionary) return 'zstd-9';
  return length <= 24 * 1024 ? 'zstd-15' : 'zstd-12';
}

/** Smaller payloads gain too little to be worth a decode on every read. */
export const MIN_COMPRESSIBLE_BYTES = 256;
/** A payload must shrink to this share of its size or it is stored as it is. */
const WORTHWHILE_RATIO = 0.9;
const DEFLATE_LEVEL = 6;

export class EntryCodec {
  private readonly encoders = new Map<string, ZstdEncoder>();
  private readonly decoders = new Map<number, ZstdDecoder>();

  /** `zstd` is the binding (null: deflate only). */
  constructor(private readonly zstd: ZstdBinding | null = zstdBinding) {}

  /** Whether this process can read entries written with `codec`. */
  canRead(codec: string): boolean {
    return codec.startsWith('deflate-') || (codec.startsWith('zstd-') && this.zstd !== null);
  }

  /** Whether maintenance's packing (zstd at PACKED_LEVEL) is possible here. */
  get canPack(): boolean {
    return this.zstd !== null;
  }

  /** Compresses at store-time speed; null when the result would not be worth it. */
  compress(data: Buffer, dictionary: Dictionary | null): CompressedPayload | null {
    if (data.length < MIN_COMPRESSIBLE_BYTES) return null;
    const compressed: CompressedPayload =
      this.zstd === null
        ? { codec: `deflate-${DEFLATE_LEVEL}`, data: deflateRawSync(data, dictionary === null ? { level: DEFLATE_LEVEL } : { level: DEFLATE_LEVEL, dictionary: dictionary.content }) }
        : { codec: `zstd-${STORE_LEVEL}`, data: this.encoder(STORE_LEVEL, dictionary).encodeSync(data) };
    return worthIt(data, compressed);
  }

  /**
   * Compresses as small as maintenance affords (see `packingCodec`). Synchronous on purpose:
   * the binding's async path builds a new context per call. Null when not worth it or no zstd.
   */
  pack(data: Buffer, dictionary: Dictionary | null): CompressedPayload | null {
    if (this.zstd === null || data.length < MIN_COMPRESSIBLE_BYTES) return null;
    const codec = packingCodec(data.length, dictionary !== null);
    return worthIt(data, { codec, data: this.encoder(Number(codec.slice(5)), dictionary).encodeSync(data) });
  }

  /**
   * The original bytes, checked against their recorded length; 'unreadable' when this process
   * lacks the codec (another process can still read the entry), 'corrupt' when the bytes do
   * not decode to `expectedSize` bytes.
   */
  decompress(codec: string, data: Buffer, dictionary: Dictionary | null, expectedSize: number): Buffer | 'unreadable' | 'corrupt' {
    if (!this.canRead(codec)) return 'unreadable';
    let decoded: Buffer;
    try {
      if (codec.startsWith('zstd-')) {
        decoded = this.decoder(dictionary).decodeSync(data);
      } else {
        decoded = inflateRawSync(data, { maxOutputLength: expectedSize + 1, ...(dictionary === null ? {} : { dictionary: dictionary.content }) });
      }
    } catch {
      return 'corrupt';
    }
    return decoded.length === expectedSize ? decoded : 'corrupt';
  }

  private encoder(level: number, dictionary: Dictionary | null): ZstdEncoder {
    const key = `${level}:${dictionary?.id ?? 0}`;
    let encoder = this.encoders.get(key);
    if (encoder === undefined) {
      // Preparing a dictionary costs 0.3-1.8 ms; done once per dictionary and level, kept for the process.
      encoder = new this.zstd!.Encoder(level, dictionary?.content ?? null);
      this.encoders.set(key, encoder);
    }
    return encoder;
  }

  private decoder(dictionary: Dictionary | null): ZstdDecoder {
    const key = dictionary?.id ?? 0;
    let decoder = this.decoders.get(key);
    if (decoder === undefined) {
      decoder = new this.zstd!.Decoder(dictionary?.content ?? null);
      this.decoders.set(key, decoder);
    }
    return decoder;
  }
}

function worthIt(data: Buffer, compressed: CompressedPayload): CompressedPayload | null {
  return compressed.data.length <= data.length * WORTHWHILE_RATIO ? compressed : null;
}
