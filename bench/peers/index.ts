import type { Benchmark } from '../harness.js';
import { peerComparison } from './peer-comparison.js';

export const peerBenchmarks: Benchmark[] = [peerComparison];
