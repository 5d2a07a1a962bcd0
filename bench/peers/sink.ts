/**
 * The ceiling for HTTP produce: a bare node:http server that accepts the same POSTs the broker
 * gets (reads the whole body) and answers a small JSON, so the load generator measures what
 * Node's HTTP stack alone costs on this machine. Run as its own process, as the broker is.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const answer = Buffer.from('{"base_offset":0,"last_offset":0,"log_append_time":-1}');
const server = http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length, 'x-bytes': bytes });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`sink listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
