import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/**
 * A byte stream as UTF-8 text, chunk by chunk (a character split across chunks is kept whole),
 * without a leading byte-order mark. Nothing is held beyond the current chunk.
 */
export async function* textChunks(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) yield text;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** Text chunks as lines (any of \n, \r\n, \r ends one), holding at most one partial line. */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let partial = '';
  for await (const chunk of chunks) {
    const parts = (partial + chunk).split(/\r\n|\n|\r/u);
    // A chunk ending in \r may be half of \r\n: keep it for the next chunk.
    partial = parts.pop() ?? '';
    if (partial === '' && chunk.endsWith('\r') && parts.length > 0) {
      partial = `${parts.pop() ?? ''}\r`;
    }
    yield* parts;
  }
  if (partial.endsWith('\r')) partial = partial.slice(0, -1);
  if (partial !== '') yield partial;
}
