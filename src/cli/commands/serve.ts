import { Command } from 'commander';
import { startDashboard } from '../../dashboard/dashboard-server.js';
import { parseWholeNumber } from '../arguments.js';
import { withProviders, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { nextStopSignal } from '../stop-signal.js';

/** `datacache serve`: the local dashboard, until Ctrl-C. */
export function serveCommand(context: CliContext): Command {
  return new Command('serve')
    .description('serve the dashboard: overview, artist browser, /image/random for overlays, JSON under /api/ (reads the cache only)')
    .option('--port <port>', 'port to listen on (0: any free one)', '8787')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow an address other machines can reach (the dashboard has no login)')
    .option('--allowed-host <name>', "also answer requests addressed to this host name (repeatable); localhost, IP addresses and, when remote, this machine's name always work", collect, [])
    .action(async (options: { port: string; host: string; allowRemote?: boolean; allowedHost: string[] }, command: Command) => {
      await withProviders(command, context, async (providers) => {
        const dashboard = await startDashboard(providers, {
          host: options.host,
          port: parseWholeNumber('--port', options.port, { max: 65_535 }),
          allowRemote: options.allowRemote === true,
          allowedHosts: options.allowedHost,
        });
        // Listening for the signal before saying how to send it: a quick Ctrl-C must stop it cleanly.
        const stopped = nextStopSignal();
        context.write(`dashboard on ${dashboard.url} (Ctrl-C to stop)\n`);
        const signal = await stopped;
        context.write(`${signal}: stopping\n`);
        await dashboard.close();
        process.exitCode = EXIT.interrupted;
      });
    });
}

/** Commander's way to take an option more than once: each value is added to the list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
