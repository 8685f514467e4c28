import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Percentiles of a set of samples, in microseconds. */
export interface LatencySummary {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Operations per second, from the mean latency. */
  opsPerSecond: number;
}

/** One figure of a benchmark: a latency distribution or a single value, with an optional baseline ratio. */
export interface Figure {
  name: string;
  unit: 'µs' | 'ms' | 'ops/s' | 'ratio' | 'count';
  /** The value reported in the table: a latency figure's median. */
  value: number;
  latency?: LatencySummary;
  /** This figure divided by its baseline's, both from the same run. */
  ratio?: { to: string; value: number };
  /** The target from the issue, for the reader; never asserted. */
  target?: string;
}

export interface BenchmarkContext {
  quick: boolean;
  /** A scratch folder for this benchmark, deleted afterwards (never committed). */
  scratchDirectory: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchmarkContext): Promise<Figure[]>;
}

export function summarize(samplesInNanoseconds: readonly (bigint | number)[]): LatencySummary {
  const micros = samplesInNanoseconds.map((sample) => Number(sample) / 1000).sort((a, b) => a - b);
  const at = (fraction: number): number => micros[Math.min(micros.length - 1, Math.floor(fraction * micros.length))]!;
  const mean = micros.reduce((sum, value) => sum + value, 0) / micros.length;
  return {
    samples: micros.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: micros[micros.length - 1]!,
    opsPerSecond: 1e6 / mean,
  };
}

/** The same summary for samples taken in milliseconds (waits, delays), reported in milliseconds. */
export function summarizeMilliseconds(samples: readonly number[]): LatencySummary {
  const inMicroseconds = summarize(samples.map((milliseconds) => milliseconds * 1e6));
  const { p50, p90, p99, max } = inMicroseconds;
  return { ...inMicroseconds, p50: p50 / 1000, p90: p90 / 1000, p99: p99 / 1000, max: max / 1000 };
}

/**
 * Times `operation` one call at a time with `process.hrtime.bigint()`, after `warmup` calls.
 * `operation` gets the iteration number so it can vary its input.
 */
export async function measureAsync(
  iterations: number,
  warmup: number,
  operation: (iteration: number) => unknown,
): Promise<LatencySummary> {
  for (let iteration = 0; iteration < warmup; iteration++) await operation(iteration);
  const samples = new Array<bigint>(iterations);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const started = process.hrtime.bigint();
    await operation(iteration);
    samples[iteration] = process.hrtime.bigint() - started;
  }
  return summarize(samples);
}

/** The same, for a synchronous operation (the raw SQLite baseline), without an await in the loop. */
export function measureSync(iterations: number, warmup: number, operation: (iteration: number) => unknown): LatencySummary {
  for (let iteration = 0; iteration < warmup; iteration++) operation(iteration);
  const samples = new Array<bigint>(iterations);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const started = process.hrtime.bigint();
    operation(iteration);
    samples[iteration] = process.hrtime.bigint() - started;
  }
  return summarize(samples);
}

export function latencyFigure(name: string, latency: LatencySummary, extra: Partial<Figure> = {}): Figure {
  return { name, unit: 'µs', value: latency.p50, latency, ...extra };
}

/** Watches how late the event loop runs timers (1 ms resolution) while `work` runs. */
export async function watchEventLoop<T>(work: () => Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await work();
    return { result, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}
