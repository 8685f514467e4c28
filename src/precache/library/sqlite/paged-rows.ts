import { setImmediate as nextTurn } from 'node:timers/promises';

/** Rows read per query: small enough that one query is a few milliseconds, large enough to be few. */
export const LIBRARY_PAGE_SIZE = 1_000;

/** A row read by keyset pagination: `pageKey` is the key the next page starts after. */
export interface PagedRow<Key extends number | string> {
  pageKey: Key;
}

/**
 * Every row of a table, read a page at a time by keyset pagination (`WHERE key > ? ORDER BY key
 * LIMIT ?`): each page is its own short query, so no lock or read transaction is held between
 * pages, and the event loop gets a turn between them, so a 100,000-track library never holds
 * it. `readPage(after, limit)` reads the rows whose key is greater than `after`, in key order.
 */
export async function* pagedRows<Row extends PagedRow<number> | PagedRow<string>>(first: Row['pageKey'], readPage: (after: Row['pageKey'], limit: number) => Row[], pageSize = LIBRARY_PAGE_SIZE): AsyncGenerator<Row> {
  let after = first;
  for (;;) {
    const page = readPage(after, pageSize);
    for (const row of page) yield row;
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.pageKey;
    await nextTurn();
  }
}
