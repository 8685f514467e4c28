/**
 * Resolves with the first SIGINT (Ctrl-C) or SIGTERM, then listens for neither: a second one
 * while the command winds down ends the process at once, as a user pressing Ctrl-C twice means.
 */
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
