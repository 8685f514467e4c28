import { Command } from 'commander';
import { startProxy } from '../../proxy/proxy-server.js';
import { parseWholeNumber } from '../arguments.js';
import { withProviders, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { nextStopSignal } from '../stop-signal.js';

/** `datacache proxy`: the caching HTTP proxy for programs in any language, until Ctrl-C. */
export function proxyCommand(context: CliContext): Command {
  return new Command('proxy')
    .description('a local caching HTTP proxy: /musicbrainz/…, /theaudiodb/…, /fanarttv/…, /lastfm/…, /discogs/…, /wikimedia/…, /coverartarchive/…, /image?url=… (and http:// URLs via HTTP_PROXY)')
    .option('--port <port>', 'port to listen on (0: any free one)', '8788')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow an address other machines can reach (the proxy has no login: they spend your rate limits)')
    .option('--allowed-host <name>', "also answer requests addressed to this host name (repeatable); localhost, IP addresses and, when remote, this machine's name always work", collect, [])
    .option('--image-hosts <hosts>', 'also fetch /image?url= from these hosts (comma-separated, host[:port]); the providers\' CDNs and hosts named by answers always work', '')
    .option('--timeout <seconds>', "how long a client waits in all (in line for the rate limit, then the origin) before 503 or 504 (default: the provider's, 15 s)")
    .action(async (options: { port: string; host: string; allowRemote?: boolean; allowedHost: string[]; imageHosts: string; timeout?: string }, command: Command) => {
      await withProviders(
        command,
        context,
        async (providers) => {
          const proxy = await startProxy(providers, {
            host: options.host,
            port: parseWholeNumber('--port', options.port, { max: 65_535 }),
            allowRemote: options.allowRemote === true,
            allowedHosts: options.allowedHost,
            imageHosts: options.imageHosts.split(',').map((host) => host.trim()).filter((host) => host !== ''),
            ...(options.timeout === undefined ? {} : { timeoutMs: parseWholeNumber('--timeout', options.timeout, { min: 1, max: 3600 }) * 1000 }),
          });
          // Listening for the signal before saying how to send it: a quick Ctrl-C must stop it cleanly.
          const stopped = nextStopSignal();
          context.write(`proxy on ${proxy.url} (Ctrl-C to stop)\n`);
          const signal = await stopped;
          context.write(`${signal}: stopping\n`);
          await proxy.close();
          process.exitCode = EXIT.interrupted;
        },
        // A proxy goes on through a temporary cache when the cache database cannot be used, as `get` does.
        { unusableCache: 'stand-in' },
      );
    });
}

/** Commander's way to take an option more than once: each value is added to the list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
