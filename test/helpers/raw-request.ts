import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/**
 * A request through node:http written as given, for what fetch() will not send: a target in
 * absolute form, any method, a Host header of our choosing, or none at all (`host: null`; a
 * browser sends whatever name a page used, a rebound DNS name say).
 */
export function rawRequest(
  port: number,
  target: string,
  { method = 'GET', headers = {}, host, address = '127.0.0.1' }: { method?: string; headers?: Record<string, string>; host?: string | null; address?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    // setHost: false, or node:http would put its own Host in place of the one given (or of none).
    const allHeaders = typeof host === 'string' ? { ...headers, host } : headers;
    httpRequest({ host: address, port, path: target, method, headers: allHeaders, setHost: host === undefined && headers.host === undefined }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}
