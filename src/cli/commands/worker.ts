import { Command } from 'commander';
import type { ClientEvents } from '../../client/events.js';
import { withProviders, type CliContext } from '../cli-context.js';
import { parseWholeNumber } from '../arguments.js';
import { formatTime } from '../../format.js';
import { EXIT } from '../exit-codes.js';
import { failureText } from '../failure-text.js';
import { nextStopSignal } from '../stop-signal.js';

/**
 * `datacache worker`: drains the queue until SIGINT or SIGTERM, saying what it does. It exits
 * 130 (interrupted) after a clean stop: a worker only ever ends by being stopped.
 */
export function workerCommand(context: CliContext): Command {
  return new Command('worker')
    .description('run the background worker until interrupted (Ctrl-C); it shares the queue and the rate limits with every process')
    .option('--concurrency <n>', 'fetches at once', '3')
    .option('--provider <name...>', 'only these providers’ jobs')
    .option('--no-refresh-ahead', 'do not refresh the entries read often before they expire')
    .option('--refresh-budget <n>', 'refreshes ahead of expiry per provider per day, for all workers of this machine', '500')
    .option('--lease <seconds>', 'how long a claim on a job lasts if this worker dies (killed, machine gone) before another takes the job over', '60')
    .action(async (options: { concurrency: string; provider?: string[]; refreshAhead: boolean; refreshBudget: string; lease: string }, command: Command) => {
      const leaseMs = parseWholeNumber('--lease', options.lease, { min: 1, max: 3600 }) * 1000;
      await withProviders(command, context, async (providers) => {
        const client = providers.client;
        const say = (text: string): void => {
          context.write(`${formatTime(Date.now())} ${text}\n`);
        };
        const stops = [
          client.on('completed', (event: ClientEvents['completed']) => {
            say(`${event.outcome}: ${event.provider} ${event.dataType} ${event.url}`);
          }),
          client.on('error', (event) => {
            say(`failed: ${event.provider} ${event.url}: ${failureText(event.error.message, event.url)}`);
          }),
          client.on('rate-limited', (event) => {
            if (event.until !== undefined) say(`${event.provider} is cooling down until ${formatTime(event.until)}`);
          }),
        ];
        const worker = client.startWorker({
          concurrency: parseWholeNumber('--concurrency', options.concurrency, { min: 1, max: 64 }),
          ...(options.provider === undefined ? {} : { providers: options.provider }),
          refreshAhead: { enabled: options.refreshAhead, dailyBudget: parseWholeNumber('--refresh-budget', options.refreshBudget, { min: 0, max: 1_000_000 }) },
        });
        // Listening before saying it started: a signal sent on reading that line finds the handler in place.
        const stopSignal = nextStopSignal();
        say(`worker started on ${providers.cacheDir} (Ctrl-C to stop)`);
        // The worker's own timers do not hold the process open (a library must not); this does.
        const keepAlive = setInterval(() => undefined, 2 ** 30);
        const signal = await stopSignal;
        clearInterval(keepAlive);
        say(`${signal}: stopping; running fetches may finish for up to 10 s`);
        await worker.stop();
        for (const stop of stops) stop();
        const counts = worker.counts;
        say(`stopped: ${counts.completed} completed, ${counts.retried} to retry, ${counts.failed} failed, ${counts.deferred} deferred, ${counts.released} handed back`);
        process.exitCode = EXIT.interrupted;
      }, { leaseMs });
    });
}
