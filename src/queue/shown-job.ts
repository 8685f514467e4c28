import { redactText, redactUrl } from '../redaction.js';
import type { JobState, QueuedJob } from './job-queue.js';

/** A queued job as a person sees it (the dashboard, `datacache queue list`): URL and error redacted. */
export interface ShownJob {
  url: string;
  provider: string;
  priority: number;
  state: JobState;
  attempts: number;
  availableAt: number;
  lastError: string | null;
  updatedAt: number;
}

/**
 * The job without its request (which holds headers) and with no key left in its URL or error.
 *
 * @example shownJob(job) // { url: 'https://www.theaudiodb.com/api/v1/json/<redacted>/…', state: 'failed', … }
 */
export function shownJob(job: QueuedJob): ShownJob {
  return {
    url: redactUrl(job.url),
    provider: job.provider,
    priority: job.priority,
    state: job.state,
    attempts: job.attempts,
    availableAt: job.availableAt,
    lastError: job.lastError === null ? null : redactText(job.lastError),
    updatedAt: job.updatedAt,
  };
}
