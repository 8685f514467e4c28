import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

/**
 * Builds a raw-content compression dictionary from sample answers, in the manner of zstd's
 * COVER trainer: the dictionary is a row of short segments of the samples, chosen greedily
 * for how many samples share their 8-byte substrings, the best placed last (zstd and deflate
 * reach recent dictionary bytes most cheaply).
 *
 * No npm binding of zstd exposes its trainer, so datacache builds its own. The bytes work as a
 * zstd raw-content dictionary and as a deflate preset dictionary alike. The work runs in
 * slices of a few milliseconds, so training on megabytes never holds the event loop.
 *
 * @example
 * const dictionary = await buildDictionary(answers.map((answer) => Buffer.from(answer)));
 */
export async function buildDictionary(samples: readonly Buffer[], options: DictionaryBuildOptions & { shouldStop: () => boolean }): Promise<Buffer | null>;
export async function buildDictionary(samples: readonly Buffer[], options?: DictionaryBuildOptions): Promise<Buffer>;
export async function buildDictionary(samples: readonly Buffer[], options: DictionaryBuildOptions = {}): Promise<Buffer | null> {
  const sizeBytes = options.sizeBytes ?? DEFAULT_DICTIONARY_BYTES;
  const slicer = new Slicer(options.sliceMs ?? 4, options.shouldStop);
  try {
    return await build(samples, sizeBytes, slicer);
  } catch (error) {
    if (error instanceof Stopped) return null;
    throw error;
  }
}

async function build(samples: readonly Buffer[], sizeBytes: number, slicer: Slicer): Promise<Buffer> {
  const frequency = new Uint32Array(TABLE_SIZE);
  const seenIn = new Int32Array(TABLE_SIZE).fill(-1);
  // How many samples hold each d-mer (by hash; a collision only blurs a score).
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index]!;
    for (let position = 0; position + DMER <= sample.length; position++) {
      const hash = dmerHash(sample, position);
      if (seenIn[hash] !== index) {
        seenIn[hash] = index;
        frequency[hash]!++;
      }
      if ((position & 1023) === 0) await slicer.maybeYield();
    }
  }
  // A d-mer in one sample only says nothing about the next answer.
  for (let hash = 0; hash < TABLE_SIZE; hash++) if (frequency[hash] === 1) frequency[hash] = 0;

  const stamp = new Int32Array(TABLE_SIZE).fill(-1);
  let stampCounter = 0;
  const score = (sample: Buffer, start: number): number => {
    stampCounter++;
    let total = 0;
    for (let position = start; position + DMER <= start + SEGMENT && position + DMER <= sample.length; position++) {
      const hash = dmerHash(sample, position);
      if (stamp[hash] === stampCounter) continue;
      stamp[hash] = stampCounter;
      total += frequency[hash]!;
    }
    return total;
  };

  const heap = new SegmentHeap();
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index]!;
    for (let start = 0; start + SEGMENT <= sample.length; start += STEP) {
      const value = score(sample, start);
      if (value > 0) heap.push({ sample: index, start, score: value });
      await slicer.maybeYield();
    }
  }

  const chosen: Buffer[] = [];
  let chosenBytes = 0;
  while (chosenBytes < sizeBytes && heap.size > 0) {
    const best = heap.pop()!;
    const sample = samples[best.sample]!;
    const current = score(sample, best.start);
    await slicer.maybeYield();
    if (current === 0) continue;
    // Scores only fall as segments are chosen, so one that still beats the next best is the best.
    if (heap.size > 0 && current < heap.peek()!.score) {
      heap.push({ ...best, score: current });
      continue;
    }
    const segment = sample.subarray(best.start, Math.min(sample.length, best.start + SEGMENT));
    chosen.push(segment);
    chosenBytes += segment.length;
    for (let position = best.start; position + DMER <= best.start + segment.length; position++) frequency[dmerHash(sample, position)] = 0;
    await slicer.maybeYield();
  }
  // Best last: the end of a dictionary is what a match can reach most cheaply.
  const dictionary = Buffer.concat(chosen.reverse());
  return dictionary.length > sizeBytes ? dictionary.subarray(dictionary.length - sizeBytes) : dictionary;
}

export interface DictionaryBuildOptions {
  /** The dictionary's size; 64 KiB by default (deflate uses its last 32 KiB). */
  sizeBytes?: number;
  /** The longest the work holds the event loop before it yields, in milliseconds. */
  sliceMs?: number;
  /** Asked at every yield; true abandons the work (the answer is then null). */
  shouldStop?: () => boolean;
}

/** Thrown out of the work when `shouldStop` says so; caught by buildDictionary. */
class Stopped extends Error {}

export const DEFAULT_DICTIONARY_BYTES = 64 * 1024;

/** The substring length whose sharing is scored: long enough to matter to a compressor, short enough to be shared. */
const DMER = 8;
/** The length of one dictionary segment, and how far apart candidate segments start. */
const SEGMENT = 256;
const STEP = 32;
const TABLE_BITS = 20;
const TABLE_SIZE = 1 << TABLE_BITS;

function dmerHash(data: Buffer, position: number): number {
  const low = data.readUInt32LE(position);
  const high = data.readUInt32LE(position + 4);
  return (Math.imul(low, 0x9e3779b1) ^ Math.imul(high ^ (low >>> 15), 0x85ebca77)) >>> (32 - TABLE_BITS);
}

class Slicer {
  private sliceStart = performance.now();
  constructor(
    private readonly sliceMs: number,
    private readonly shouldStop: (() => boolean) | undefined,
  ) {}

  /** Yields when the slice is used up; called every thousand or so steps, so a check costs little. */
  async maybeYield(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await nextTurn();
    if (this.shouldStop?.() === true) throw new Stopped('dictionary building stopped');
    this.sliceStart = performance.now();
  }
}

interface Candidate {
  sample: number;
  start: number;
  score: number;
}

/** A binary max-heap of candidate segments by score. */
class SegmentHeap {
  private readonly items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Candidate | undefined {
    return this.items[0];
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent]!.score >= item.score) break;
      items[index] = items[parent]!;
      index = parent;
    }
    items[index] = item;
  }

  pop(): Candidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.score > items[left]!.score ? right : left;
      if (items[child]!.score <= last.score) break;
      items[index] = items[child]!;
      index = child;
    }
    items[index] = last;
    return top;
  }
}
