import type { Benchmark } from '../harness.js';
import { clientOverhead } from './client-overhead.js';
import { largeBodies } from './large-bodies.js';
import { proxyBenchmark } from './proxy.js';
import { sharedRateLimit } from './shared-rate-limit.js';
import { sharedQueue } from './shared-queue.js';
import { sharedTierReads } from './shared-tier-reads.js';
import { queueThroughput } from './queue-throughput.js';
import { rateLimitAccuracy } from './rate-limit-accuracy.js';
import { rateLimitPriority } from './rate-limit-priority.js';
import { workerLatency } from './worker-latency.js';
import { wnpImport } from './wnp-import.js';

export const pipelineBenchmarks: Benchmark[] = [clientOverhead, queueThroughput, rateLimitAccuracy, rateLimitPriority, workerLatency, largeBodies, sharedRateLimit, sharedTierReads, sharedQueue, proxyBenchmark, wnpImport];
