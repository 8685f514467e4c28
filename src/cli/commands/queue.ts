import { Command, Option } from 'commander';
import type { JobState } from '../../queue/job-queue.js';
import { shownJob } from '../../queue/shown-job.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { parseWholeNumber } from '../arguments.js';
import { EXIT } from '../exit-codes.js';
import { failureText } from '../failure-text.js';
import { formatTime } from '../../format.js';
import { formatTable } from '../output.js';

/** `datacache queue [list|retry|clear]`; `list` when no command is named. */
export function queueCommand(context: CliContext): Command {
  const queue = new Command('queue').description('the queue of background fetches');
  queue
    .command('list', { isDefault: true })
    .description('list queued fetches: running, then pending by priority, failed, done')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(['pending', 'running', 'failed', 'done']))
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the jobs as JSON')
    .action(async (options: { state?: JobState; limit: string }, command: Command) => {
      const jobs = await withProviders(command, context, (providers) => providers.client.queue.list({ state: options.state, limit: parseWholeNumber('--limit', options.limit, { min: 1 }) }));
      const shown = jobs.map(shownJob);
      if (globalOptions(command).json === true) {
        writeJson(context, shown);
        return;
      }
      if (shown.length === 0) {
        context.write('the queue is empty\n');
        return;
      }
      context.write(
        `${formatTable(
          ['state', 'priority', 'provider', 'attempts', 'due', 'url', 'last error'],
          // The error's message starts with the URL the row shows already: the column shows why.
          jobs.map((job, index) => [job.state, job.priority, job.provider, job.attempts, formatTime(job.availableAt), shown[index]!.url, job.lastError === null ? '' : failureText(job.lastError, job.url)]),
        )}\n`,
      );
    });
  queue
    .command('retry')
    .description('put every failed fetch back in the queue with fresh attempts')
    .action(async (_options: unknown, command: Command) => {
      const count = await withProviders(command, context, (providers) => providers.client.queue.retryFailed());
      context.write(`${count} failed fetches queued again\n`);
    });
  queue
    .command('clear')
    .description('remove every queued fetch that is not running, finished ones included')
    .action(async (_options: unknown, command: Command) => {
      const count = await withProviders(command, context, (providers) => providers.client.queue.clear());
      context.write(`${count} queued fetches removed\n`);
    });
  refuseUnknownCommands(queue);
  return queue;
}

/**
 * `list` is the default, so commander hands it any word that is no command of `queue` and
 * `datacache queue frob` would say "too many arguments for 'list'". This names the word and
 * the commands instead, before `list` runs.
 */
function refuseUnknownCommands(parent: Command): void {
  parent.hook('preSubcommand', (thisCommand) => {
    const word = thisCommand.args[0];
    const names = thisCommand.commands.map((command) => command.name());
    const known = [...names, ...thisCommand.commands.flatMap((command) => command.aliases()), 'help'];
    if (word === undefined || word.startsWith('-') || known.includes(word)) return;
    thisCommand.error(`error: unknown command '${word}' for '${thisCommand.name()}' (its commands are ${names.join(', ')})`, { code: 'commander.unknownCommand', exitCode: EXIT.usage });
  });
}
