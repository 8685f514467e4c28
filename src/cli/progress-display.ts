import { SingleBar } from 'cli-progress';
import type { PrecacheProgress } from '../precache/precache.js';
import type { CliContext } from './cli-context.js';
import { formatDuration } from '../format.js';
import { failureText } from './failure-text.js';

/** Shows a pre-cache run: a bar with an ETA on a terminal, a plain line every few seconds otherwise. */
export interface ProgressDisplay {
  update(progress: PrecacheProgress): void;
  stop(): void;
}

const PLAIN_LINE_INTERVAL_MS = 5000;
/** Without --work, this long with nothing done means no worker is running. */
const IDLE_HINT_MS = 30_000;
/** This long with nothing done, an ETA would only stand still: the run says it is stalled, and for how long. */
const STALLED_MS = 30_000;
/** Distinct failure reasons named in the summary; the rest are counted. */
const REASONS_SHOWN = 3;

/** "ETA 2 min 05 s", or "stalled 45 s" once nothing has moved for STALLED_MS. */
function timeLeft(progress: PrecacheProgress): string {
  return progress.idleMs >= STALLED_MS ? `stalled ${formatDuration(progress.idleMs / 1000)}` : `ETA ${formatDuration(progress.etaMs / 1000)}`;
}

/** A one-line summary of where a run is. */
export function describeProgress(progress: PrecacheProgress): string {
  const images = `${progress.imagesQueued} images queued${progress.imagesFetched + progress.imagesFailed > 0 ? `, ${progress.imagesFetched} fetched, ${progress.imagesFailed} failed` : ''}`;
  const left = Object.entries(progress.remaining)
    .filter(([, requests]) => requests > 0)
    .map(([provider, requests]) => `${provider} ${requests}`)
    .join(', ');
  return (
    `${progress.artistsDone}/${progress.artists} artists (${progress.matched} found, ${progress.notFound} not found, ${progress.failed} failed), ${images}` +
    (progress.finished ? '' : `; ${timeLeft(progress)}${left === '' ? '' : ` (requests left: ${left})`}`)
  );
}

/**
 * Why artists failed, in one line: "4 failed: musicbrainz: connect ECONNREFUSED 127.0.0.1:9 (4)",
 * the most common reasons first. Empty when none failed.
 */
export function describeFailures(report: PrecacheProgress): string {
  if (report.failed === 0) return '';
  const reasons = report.failureReasons.map(({ provider, reason, artists }) => `${provider}: ${failureText(reason)} (${artists})`);
  const more = reasons.length - REASONS_SHOWN;
  return `${report.failed} failed: ${reasons.slice(0, REASONS_SHOWN).join(', ')}${more > 0 ? `, and ${more} more reason${more === 1 ? '' : 's'}` : ''}`;
}

/** The progress display for a run: a bar on a terminal (stderr), else a plain line every 5 s. */
export function progressDisplay(context: CliContext, { work }: { work: boolean }): ProgressDisplay {
  let hinted = false;
  const hint = (progress: PrecacheProgress): void => {
    if (work || hinted || progress.idleMs < IDLE_HINT_MS || progress.finished) return;
    hinted = true;
    context.writeError(`nothing has been fetched for ${Math.round(progress.idleMs / 1000)} s: is a \`datacache worker\` running on this cache? (or run precache with --work)\n`);
  };
  const terminal = context.terminal;
  if (terminal !== undefined) {
    const bar = new SingleBar({
      stream: terminal,
      format: 'precache [{bar}] {value}/{total} artists | {images} | {timeLeft}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
    });
    let started = false;
    return {
      update(progress) {
        const payload = { images: `${progress.imagesQueued} images queued${work ? `, ${progress.imagesFetched} fetched` : ''}`, timeLeft: timeLeft(progress) };
        if (!started) {
          bar.start(progress.artists, progress.artistsDone, payload);
          started = true;
        }
        bar.setTotal(progress.artists);
        bar.update(progress.artistsDone, payload);
        if (!hinted && !work && progress.idleMs >= IDLE_HINT_MS) {
          bar.stop();
          hint(progress);
          started = false;
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastLineAt = 0;
  return {
    update(progress) {
      hint(progress);
      const now = Date.now();
      if (progress.finished || now - lastLineAt < PLAIN_LINE_INTERVAL_MS) return;
      lastLineAt = now;
      context.writeError(`precache: ${describeProgress(progress)}\n`);
    },
    stop() {
      return undefined;
    },
  };
}
