import type { QueuePolicy } from '../../queue/queue-policy.js';
import type { PostgresTier } from './postgres-tier.js';
import { HOUSEKEEPING, SETTLE_LOST } from './pg-queue-sql.js';

/** At most this often (per queue object, so per process) does a claim look for due jobs and lost leases first. */
export const HOUSEKEEPING_INTERVAL_MS = 100;
/** Due waiting jobs moved to ready per round: enough to keep workers fed, small enough to be a short statement. */
export const PROMOTE_BATCH = 500;
/** Leases that ran out settled per round. */
export const SETTLE_BATCH = 100;

interface ExpiredRow {
  promoted: number;
  announced: number;
  id: number | null;
  attempts: number;
  abandoned: number;
  lastError: string | null;
  leaseToken: number | null;
}

/**
 * The two chores that keep the ready index honest: waiting jobs whose time came are moved to
 * `ready`, and running jobs whose lease ran out (their worker died, froze or was cut off) are
 * settled as QueuePolicy.afterLostLease says. Both are found through their own partial index
 * in small batches, so a round costs an index probe when there is nothing to do, whatever the
 * backlog. A claim runs a round beside it (on another connection, so it adds no wait) at most
 * every HOUSEKEEPING_INTERVAL_MS, and before trying again whenever it found nothing ready (due
 * work may not be promoted yet): claims in a busy queue pay one extra statement every 100 ms,
 * not one per claim, and an idle worker woken for a due job finds it at once.
 */
export class QueueHousekeeping {
  private lastRoundAt = -Infinity;
  /** The last round filled a batch: the next claim does another without waiting. */
  private moreToDo = false;

  constructor(
    private readonly tier: PostgresTier,
    private readonly policy: QueuePolicy,
  ) {}

  /** Whether a claim should run a round before it reads the ready index. */
  get due(): boolean {
    return this.moreToDo || performance.now() - this.lastRoundAt >= HOUSEKEEPING_INTERVAL_MS;
  }

  /** One round; resolves to whether any job became ready (so a short claim is worth trying again). */
  async run(): Promise<boolean> {
    this.lastRoundAt = performance.now();
    const { rows } = await this.tier.query<ExpiredRow>(HOUSEKEEPING, [PROMOTE_BATCH, SETTLE_BATCH]);
    const promoted = rows[0]?.promoted ?? 0;
    // In id order, as completeAll locks rows: the two never wait for each other in a cycle.
    const expired = rows.filter((row): row is ExpiredRow & { id: number } => row.id !== null).sort((a, b) => a.id - b.id);
    this.moreToDo = promoted >= PROMOTE_BATCH || expired.length >= SETTLE_BATCH;
    const settledReady = expired.length === 0 ? 0 : await this.settle(expired);
    return promoted > 0 || settledReady > 0;
  }

  /**
   * Settles leases that ran out, each as the policy says: failed once its claims are used up,
   * otherwise waiting for its backoff. The policy reckons in this process's clock; the server
   * gets the delay and adds it to its own. Resolves to how many became ready at once.
   */
  private async settle(expired: readonly (ExpiredRow & { id: number })[]): Promise<number> {
    const now = this.policy.clock.now();
    const outcomes = expired.map((row) => this.policy.afterLostLease(row, now));
    const { rows } = await this.tier.query<{ settled: number; announced: number }>(SETTLE_LOST, [
      expired.map((row) => row.id),
      expired.map((row) => row.leaseToken),
      outcomes.map((outcome) => outcome.failed),
      outcomes.map((outcome) => (outcome.failed ? outcome.error : null)),
      outcomes.map((outcome) => (outcome.failed ? 0 : Math.max(0, Math.round(outcome.availableAt - now)))),
    ]);
    return rows[0]?.announced ?? 0;
  }
}
