import type { Benchmark } from '../harness.js';
import { eventLoopUnderWriters } from './event-loop-under-writers.js';
import { readLatency } from './read-latency.js';
import { scale } from './scale.js';
import { storeLatency } from './store-latency.js';
import { compression } from './compression.js';

export const storageBenchmarks: Benchmark[] = [readLatency, storeLatency, compression, scale, eventLoopUnderWriters];
