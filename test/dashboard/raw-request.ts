import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A GET through node:http with the Host header we choose (none for undefined): fetch() will
 * not set Host, and a browser sends whatever name a page used (a rebound DNS name, say).
 */
export function getWithHost(url: string, host: string | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // setHost: false, or node:http would put its own Host in place of an empty one.
    request(url, { setHost: false, headers: host === undefined ? {} : { host } }, (response) => {
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
