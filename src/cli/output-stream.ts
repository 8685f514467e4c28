/** stdout or stderr as the command writes to it, surviving a reader that went away. */
export interface OutputStream {
  write(data: string | Uint8Array): void;
}

/**
 * Wraps a process stream so that once its reader is gone (`datacache … | head -1`: EPIPE)
 * further writes are dropped quietly, as `yes | head -1` ends without a word, instead of an
 * unhandled 'error' event killing the process with a stack trace. The command goes on (or
 * stops) as it would have, and its exit code still tells what happened. Any other write error
 * (a full disk) also ends the writing, and is handed to `onFailure` to report.
 */
export function outputStream(stream: NodeJS.WriteStream, onFailure: (error: Error) => void): OutputStream {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    const first = !closed;
    closed = true;
    if (first && error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') onFailure(error);
  });
  return {
    write(data) {
      if (!closed && !stream.destroyed) stream.write(data);
    },
  };
}
