import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../errors.js';
import { PRIORITY } from '../queue/job-queue.js';
import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import { ANSWER_TYPES } from './cached-answers.js';
import { ForbiddenRequest, readFormBody, requireSameOrigin } from './post-request.js';
import type { DashboardPrecache } from './precache-run.js';

/** What the dashboard's buttons do; each is `POST /actions/<name>` from a form of its own pages. */
export const ACTION_NAMES = ['refresh-artist', 'purge-artist', 'purge-image', 'retry-failed', 'pause-workers', 'resume-workers', 'precache'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/**
 * A secret of this server's run, put into every form it serves: a page on another site cannot
 * read it, so it cannot make the DJ's browser submit a form here (with the Origin and Host
 * checks, a third guard against cross-site requests).
 */
export function newActionToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Runs an action posted by a form of the dashboard and says where the browser goes next (the
 * page the form was on). Refuses a form without this run's token or from another origin.
 */
export async function runAction(providers: DataCacheProviders, name: string, request: IncomingMessage, token: string, precache: DashboardPrecache): Promise<{ back: string; message: string }> {
  requireSameOrigin(request);
  const form = await readFormBody(request);
  const given = Buffer.from(form.get('token') ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ForbiddenRequest('This form is not from this dashboard (or from before it restarted): reload the page and try again.');
  const back = localPath(form.get('back'));
  const field = (key: string): string => {
    const value = (form.get(key) ?? '').trim();
    if (value === '' || value.length > 1024) throw new InvalidArgumentError(`The form needs "${key}".`);
    return value;
  };
  switch (name as ActionName) {
    case 'refresh-artist': {
      const artist = field('artist');
      const identifier = normalizeArtistIdentifier(artist);
      // Their answers turn stale (still served meanwhile), so the chain asks again.
      let expired = 0;
      for (const dataType of ANSWER_TYPES) {
        for (const summary of await providers.storage.retrieveByIdentifier({ identifier, dataType })) {
          // (It answers null for an entry that is expired after it, as this one now is.)
          await providers.storage.renew(summary.url, { ttlSeconds: 0 });
          expired += 1;
        }
      }
      const { added } = await providers.queueArtist({ name: artist }, { priority: PRIORITY.live });
      return { back, message: `${artist}: ${expired} answers marked stale; ${added ? 'queued for a worker' : 'already queued'}.` };
    }
    case 'purge-artist': {
      const identifier = normalizeArtistIdentifier(field('artist'));
      const removed = await providers.storage.purge({ identifier });
      return { back: '/artists', message: `Removed ${removed} entries of ${identifier}.` };
    }
    case 'purge-image': {
      const entry = await providers.storage.retrieveByCachekey(field('cachekey'), { allowStale: true });
      if (entry !== null) await providers.storage.delete(entry.url);
      return { back: entry === null ? back : `/artists/${encodeURIComponent(entry.identifier)}`, message: entry === null ? 'That image was already gone.' : 'Removed the image.' };
    }
    case 'retry-failed': {
      const retried = await providers.client.queue.retryFailed();
      return { back, message: `${retried} failed jobs queued again.` };
    }
    case 'pause-workers':
    case 'resume-workers': {
      const paused = name === 'pause-workers';
      await providers.client.pauseWorkers(paused);
      return { back, message: paused ? 'Workers paused: they finish what they are running and claim nothing more.' : 'Workers resumed.' };
    }
    case 'precache': {
      const library = await precache.start(field('library'));
      return { back: '/precache', message: `Pre-caching the ${library.app} library: its artists are read and queued for the workers.` };
    }
    default:
      throw new InvalidArgumentError(`No action "${name.slice(0, 40)}"; the actions are ${ACTION_NAMES.join(', ')}.`);
  }
}

/** Only a path of this dashboard: never a redirect to another site. */
function localPath(back: string | null): string {
  return back !== null && /^\/(?![/\\])[^\s]*$/u.test(back) && back.length <= 2048 ? back : '/';
}
