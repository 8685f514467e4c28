import { expect, it } from 'vitest';
import { PRIORITY, type EnqueueOptions, type JobQueue } from '../../src/queue/job-queue.js';
import type { QueueOptions } from '../../src/queue/queue-policy.js';

/** A job as the queue tests queue them. */
export const job = (url: string, priority?: number, provider = 'cdn'): EnqueueOptions => ({
  url,
  provider,
  priority,
  request: { url, identifier: 'air', headers: { accept: 'image/*' }, negativeTtlSeconds: 3600 },
});

/**
 * What every JobQueue promises about a chain's follow-ups, for each backend's tests to run:
 * queued in the transaction that settles the job, only by the claim that settles it, only
 * when it fails for good, and a chain joining a job without one.
 * `until` waits for a condition (the SQLite tests' clock is manual, PostgreSQL's is the server's).
 */
export function followUpTests(openQueue: (options?: QueueOptions) => Promise<{ queue: JobQueue }>, until: (condition: () => Promise<boolean>, what: string) => Promise<void>): void {
  it('queues follow-ups in the same transaction as a job completes, and none for a claim that was lost', async () => {
    const { queue } = await openQueue();
    await queue.enqueue(job('https://i/search'));
    const [claimed] = await queue.claim('w1');
    const next = [job('https://i/lookup-1', PRIORITY.batch, 'theaudiodb'), job('https://i/lookup-2', PRIORITY.batch, 'fanarttv')];
    expect(await queue.complete(claimed!, 'w1', next)).toBe(true);
    expect((await queue.get('https://i/search'))!.state).toBe('done');
    expect((await queue.claim('w2', 10)).map((one) => one.url).sort()).toEqual(['https://i/lookup-1', 'https://i/lookup-2']);
    // A stale claim (not this owner's) completes nothing and queues nothing.
    await queue.enqueue(job('https://i/other'));
    const [other] = await queue.claim('w3');
    expect(await queue.complete(other!, 'not the owner', [job('https://i/never')])).toBe(false);
    expect(await queue.get('https://i/never')).toBeNull();
  });

  it('queues follow-ups with a failure only when the job fails for good', async () => {
    const { queue } = await openQueue({ maxAttempts: 2, backoffBaseMs: 0 });
    await queue.enqueue(job('https://i/flaky'));
    const [first] = await queue.claim('w1');
    expect(await queue.fail(first!, 'w1', 'a 503', { followUps: [job('https://i/after')] })).toBe('retrying');
    expect(await queue.get('https://i/after')).toBeNull();
    await until(async () => await queue.hasRunnableWork(), 'the retry is runnable');
    const [second] = await queue.claim('w1');
    expect(await queue.fail(second!, 'w1', 'a 503 again', { followUps: [job('https://i/after')] })).toBe('failed');
    expect((await queue.get('https://i/after'))!.state).toBe('pending');
    await queue.enqueue(job('https://i/gone'));
    const [gone] = await queue.claim('w1');
    expect(await queue.fail(gone!, 'w1', 'a 404', { final: true, followUps: [job('https://i/after-404')] })).toBe('failed');
    expect((await queue.get('https://i/after-404'))!.state).toBe('pending');
  });

  it('gives a waiting or running job without a chain the chain of a step that joins it, and keeps a chain it has', async () => {
    const { queue } = await openQueue();
    await queue.enqueue(job('https://i/shared-search'));
    const chained = { ...job('https://i/shared-search'), request: { ...job('https://i/shared-search').request, chain: { kind: 'artist', state: { name: 'Air' } } } };
    await queue.enqueue(chained);
    expect((await queue.get('https://i/shared-search'))!.request).toMatchObject({ chain: { kind: 'artist', state: { name: 'Air' } } });
    await queue.enqueue({ ...chained, request: { ...chained.request, chain: { kind: 'artist', state: { name: 'Someone else' } } } });
    expect((await queue.get('https://i/shared-search'))!.request).toMatchObject({ chain: { state: { name: 'Air' } } });
    // A job queued with `chain: null` (as every client request is) and already running takes a joining chain too:
    // its worker reads the row's chain when it settles.
    await queue.enqueue({ ...job('https://i/running'), request: { ...job('https://i/running').request, chain: null } });
    await queue.claim('w1', 10);
    await queue.enqueue({ ...job('https://i/running'), request: { ...job('https://i/running').request, chain: { kind: 'artist', state: { name: 'Moderat' } } } });
    expect((await queue.get('https://i/running'))!.request).toMatchObject({ chain: { kind: 'artist', state: { name: 'Moderat' } } });
  });

}
