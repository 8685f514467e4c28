import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/cli-context.js';
import { describeProgress, progressDisplay } from '../../src/cli/progress-display.js';
import type { PrecacheProgress } from '../../src/precache/precache.js';

function progress(overrides: Partial<PrecacheProgress>): PrecacheProgress {
  return { artists: 10, artistsDone: 4, matched: 3, notFound: 1, failed: 0, imagesQueued: 12, imagesFetched: 3, imagesFailed: 0, remaining: { musicbrainz: 6, theaudiodb: 7 }, etaMs: 125_000, idleMs: 0, failureReasons: [], finished: false, interrupted: false, ...overrides };
}

function context(terminal?: NodeJS.WriteStream): CliContext & { errors: string } {
  const made = { environment: {}, errors: '', write: () => undefined, writeRaw: () => undefined, writeError: (text: string) => { made.errors += text; }, ...(terminal === undefined ? {} : { terminal }) };
  return made;
}

describe('the pre-cache progress display', () => {
  it('draws a bar with the rate-limit ETA on a terminal', () => {
    let drawn = '';
    const terminal = Object.assign(new Writable({ write(chunk: Buffer, _encoding, done) { drawn += chunk.toString(); done(); } }), { isTTY: true, columns: 160 }) as unknown as NodeJS.WriteStream;
    const display = progressDisplay(context(terminal), { work: true });
    display.update(progress({}));
    display.update(progress({ artistsDone: 5, etaMs: 65_000 }));
    display.stop();
    expect(drawn).toMatch(/precache \[[█░]+\] 5\/10 artists \| 12 images queued, 3 fetched \| ETA 1 min 05 s/);
    expect(drawn).toContain('\u001b[');
  });

  it('prints a plain line at most every few seconds when not on a terminal', () => {
    const plain = context();
    const display = progressDisplay(plain, { work: false });
    display.update(progress({}));
    display.update(progress({ artistsDone: 5 }));
    expect(plain.errors).toBe('precache: 4/10 artists (3 found, 1 not found, 0 failed), 12 images queued, 3 fetched, 0 failed; ETA 2 min 05 s (requests left: musicbrainz 6, theaudiodb 7)\n');
  });

  it('asks whether a worker is running when nothing moves for 30 s without --work', () => {
    const plain = context();
    const display = progressDisplay(plain, { work: false });
    display.update(progress({ idleMs: 31_000 }));
    display.update(progress({ idleMs: 60_000 }));
    expect(plain.errors.match(/is a `datacache worker` running on this cache\?/g)).toHaveLength(1);
    const working = context();
    progressDisplay(working, { work: true }).update(progress({ idleMs: 60_000 }));
    expect(working.errors).not.toMatch(/worker/);
  });

  it('says the run is stalled, and for how long, instead of a frozen ETA when nothing has moved for 30 s', () => {
    const plain = context();
    const display = progressDisplay(plain, { work: true });
    display.update(progress({ idleMs: 45_000 }));
    expect(plain.errors).toBe('precache: 4/10 artists (3 found, 1 not found, 0 failed), 12 images queued, 3 fetched, 0 failed; stalled 45 s (requests left: musicbrainz 6, theaudiodb 7)\n');
    expect(describeProgress(progress({ idleMs: 29_000 }))).toMatch(/; ETA 2 min 05 s/u);

    let drawn = '';
    const terminal = Object.assign(new Writable({ write(chunk: Buffer, _encoding, done) { drawn += chunk.toString(); done(); } }), { isTTY: true, columns: 160 }) as unknown as NodeJS.WriteStream;
    const bar = progressDisplay(context(terminal), { work: true });
    bar.update(progress({ idleMs: 95_000 }));
    bar.stop();
    expect(drawn).toMatch(/4\/10 artists \| 12 images queued, 3 fetched \| stalled 1 min 35 s/u);
    expect(drawn).not.toMatch(/ETA/u);
  });

  it('leaves the ETA out of a finished run', () => {
    expect(describeProgress(progress({ finished: true }))).not.toMatch(/ETA/);
  });
});
