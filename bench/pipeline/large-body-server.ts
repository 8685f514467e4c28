/**
 * Child process: an origin on 127.0.0.1 for large bodies. /image.jpg is a 25 MB JPEG (a real
 * header, then filler) with a Content-Length; /chunked.jpg the same without one; /answer.json a
 * 1 MiB JSON answer of ordinary shape (the default cap for JSON). Prints its port, then serves until killed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const image = Buffer.alloc(25 * 1024 * 1024 - 1024);
for (let index = 0; index < image.length; index += 4096) image[index] = index & 0xff;
Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')]).copy(image, 0);
Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x0f, 0x00, 0x0a, 0x00, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]).copy(image, 20);
const artist = { id: '056e4f3e-d505-4dad-8ec1-d04f521cbb56', name: 'Daft Punk', 'sort-name': 'Daft Punk', score: 100, country: 'FR', tags: [{ count: 3, name: 'house' }, { count: 2, name: 'french touch' }] };
const artists: unknown[] = [];
while (JSON.stringify({ artists }).length < 1024 * 1024 - 400) artists.push(artist);
const json = Buffer.from(JSON.stringify({ count: artists.length, offset: 0, artists }));

const server = createServer((request, response) => {
  if (request.url?.startsWith('/answer.json')) response.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length }).end(json);
  else if (request.url?.startsWith('/chunked.jpg')) response.writeHead(200, { 'content-type': 'image/jpeg' }).end(image);
  else response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length }).end(image);
});
server.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port);
});
