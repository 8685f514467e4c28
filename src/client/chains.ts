import type { Logger } from '../logger.js';
import type { EnqueueOptions } from '../queue/job-queue.js';
import type { CachedEntry } from '../storage/cached-entry.js';
import { InvalidArgumentError } from '../errors.js';
import { describeValue, requireName, type JsonObject } from '../validation.js';
import type { ChainLink, FetchRequest } from './fetch-request.js';

/** What a chain step is told about the fetch it follows. */
export interface ChainStepContext {
  /** The state the fetch was queued with (`chain.state`). */
  state: JsonObject;
  /** The fetched URL, as the cache knows it. */
  url: string;
  /** The answer: the stored (or already cached) entry; null when there is none (not found, or failed). */
  entry: CachedEntry | null;
  /** Why the fetch failed for good; null when it did not. */
  error: string | null;
  /** The settled fetch's queue priority (a chain's next steps usually keep it). */
  priority: number;
}

/**
 * One step of a chain of fetches: given what the previous fetch brought, the fetches to queue
 * next (each may carry a `chain` of its own). It runs in whichever worker settles the fetch,
 * in any process or machine, so it must depend only on its context and the cache.
 */
export type ChainStep = (context: ChainStepContext) => Promise<readonly FetchRequest[]>;

/**
 * The chain steps this process knows, by kind, and turning a step's answer into the queue's
 * follow-ups. A worker settling a fetch whose kind it does not know completes the fetch and
 * says so once: the chain stops there until a process that knows the kind queues it again.
 */
export class ChainSteps {
  private readonly steps = new Map<string, ChainStep>();
  private readonly unknownReported = new Set<string>();

  constructor(private readonly logger: Logger) {}

  register(kind: string, step: ChainStep): void {
    requireName('kind', kind);
    if (typeof step !== 'function') throw new InvalidArgumentError(`a chain step must be a function (context) => Promise<FetchRequest[]>, got ${describeValue(step)}.`);
    this.steps.set(kind, step);
  }

  /**
   * The follow-ups of a settled fetch, ready for the queue. `resolve` checks each request and
   * fills its defaults. A step that throws ends its chain there, with a warning (the fetch
   * itself still counts as done or failed).
   */
  async followUps(link: ChainLink | null, context: Omit<ChainStepContext, 'state'>, resolve: (request: FetchRequest) => EnqueueOptions): Promise<EnqueueOptions[]> {
    if (link === null) return [];
    const step = this.steps.get(link.kind);
    if (step === undefined) {
      if (!this.unknownReported.has(link.kind)) {
        this.unknownReported.add(link.kind);
        this.logger.warn(`datacache: a queued fetch is a step of a "${link.kind}" chain, which this process does not know; its next steps are not queued (run the worker through getProviders())`, { url: context.url });
      }
      return [];
    }
    let requests: readonly FetchRequest[];
    try {
      requests = await step({ ...context, state: link.state });
    } catch (error) {
      this.logger.warn(`datacache: a step of a "${link.kind}" chain failed; the chain stops here`, { url: context.url, error: String(error) });
      return [];
    }
    // One bad request (an image URL with a password in it, say) costs only itself.
    const followUps: EnqueueOptions[] = [];
    for (const request of requests) {
      try {
        followUps.push(resolve({ ...request, immediate: false }));
      } catch (error) {
        this.logger.warn(`datacache: a "${link.kind}" chain's next fetch was refused`, { url: context.url, error: String(error) });
      }
    }
    return followUps;
  }
}
