import { Command } from 'commander';
import { startDashboard } from '../../dashboard/dashboard-server.js';
import { parseWholeNumber } from '../arguments.js';
import { withProviders, type CliContext } from '../cli-context.js';

/** `datacache serve`: the local dashboard, until Ctrl-C. */
export function serveCommand(context: CliContext): Command {
  return new Command('serve')
    .description('serve the dashboard: overview, artist browser, /image/random for overlays, JSON under /api/ (reads the cache only)')
    .option('--port <port>', 'port to listen on (0: any free one)', '8787')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow an address other machines can reach (the dashboard has no login)')
    .action(async (options: { port: string; host: string; allowRemote?: boolean }, command: Command) => {
      await withProviders(command, context, async (providers) => {
        const dashboard = await startDashboard(providers, { host: options.host, port: parseWholeNumber('--port', options.port, { max: 65_535 }), allowRemote: options.allowRemote === true });
        context.write(`dashboard on ${dashboard.url} (Ctrl-C to stop)\n`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        context.write(`${signal}: stopping\n`);
        await dashboard.close();
      });
    });
}
