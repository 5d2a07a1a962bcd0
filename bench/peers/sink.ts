/**
 * The ceiling for HTTP produce: a bare node:http server that accepts the same POSTs the broker
 * gets (reads the whole body) and answers a small JSON, so the load generator measures what
 * Node's HTTP stack alone costs on this machine. Run as its own process, as the broker is.
 * With SINK_TLS_CERT and SINK_TLS_KEY (PEM files) it is a node:https server: what TLS alone costs.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

const answer = Buffer.from('{"base_offset":0,"last_offset":0,"log_append_time":-1}');
const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length, 'x-bytes': bytes });
    res.end(answer);
  });
};
const tls = process.env.SINK_TLS_CERT && process.env.SINK_TLS_KEY;
const server = tls
  ? https.createServer({ cert: fs.readFileSync(process.env.SINK_TLS_CERT!), key: fs.readFileSync(process.env.SINK_TLS_KEY!) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`sink listening on ${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));
