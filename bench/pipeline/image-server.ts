/**
 * Child process: an image origin on 127.0.0.1 serving a 50 KB JPEG-looking body for any
 * path, optionally recording arrival times. Prints its port, then serves until killed.
 * On GET /arrivals it answers the arrival times (epoch ms) it recorded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const image = Buffer.alloc(50_000, 0x5a);
image.set([0xff, 0xd8, 0xff, 0xe0], 0);
const arrivals: number[] = [];
const server = createServer((request, response) => {
  if (request.url === '/arrivals') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(arrivals));
    return;
  }
  arrivals.push(Date.now());
  response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length }).end(image);
});
server.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port);
});
