/**
 * Child process: an image origin on 127.0.0.1 serving a real 50 KB PNG for any path, and
 * recording arrival times. Prints its port, then serves until killed.
 * On GET /arrivals it answers the arrival times (epoch ms) it recorded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { noisyPng } from '../../support/png.js';

const image = noisyPng(128, 128); // about 50 KB: noise does not compress
const arrivals: number[] = [];
const server = createServer((request, response) => {
  if (request.url === '/arrivals') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(arrivals));
    return;
  }
  arrivals.push(Date.now());
  response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length }).end(image);
});
server.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port);
});
