import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A function for a long-running reader to await between steps: it gives the event loop a turn
 * once the reader has held it for `budgetMs` since the last turn, and is free otherwise.
 */
export function pauser(budgetMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await nextTurn();
    since = performance.now();
  };
}
