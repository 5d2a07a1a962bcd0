'use strict';
/**
 * The console's server: Next.js (the pages) behind a small HTTP server that also
 *
 * - proxies `/api/broker/<path>` to the broker's `/<path>` for browser code, streaming both ways
 *   (search results, server-sent events), with the signed-in user's own credentials taken from the
 *   session (lib/sessions.js). The broker's authorizer is the only enforcement point: the console
 *   adds credentials, never permissions. A request must carry `x-runnel-console: 1` (a header a
 *   cross-site page cannot send without a CORS preflight, which is never granted) and the session
 *   cookie is SameSite=Strict, so another site cannot act with a user's session;
 * - proxies WebSocket upgrades on `/api/ws` to the broker's `/v3/ws` with the same credentials
 *   (browsers cannot set headers on a WebSocket), after checking the page's Origin is this console.
 *
 * Settings: RUNNEL_CONSOLE_PORT (3000), RUNNEL_CONSOLE_HOST (the broker's RUNNEL_HOST, else
 * 0.0.0.0), RUNNEL_BROKER_URL (http://127.0.0.1:8080). Stopping this process stops the console.
 */
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const { COOKIE, findSession, cookieValue } = require('./lib/sessions');
const { consoleConfig } = require('./lib/config');

const config = consoleConfig(process.env);
const broker = new URL(config.brokerUrl);
const transport = broker.protocol === 'https:' ? https : http;
const agent = new transport.Agent({ keepAlive: true, maxSockets: 256 });

/** Request headers passed to the broker; everything else (cookies above all) stays here. */
const FORWARDED_REQUEST = ['accept', 'content-type', 'content-length', 'last-event-id', 'idempotency-key', 'x-client-id'];
/** Response headers never passed back (hop-by-hop). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-authenticate', 'trailer']);
/** At most this many proxied WebSockets at once (each holds two sockets). */
const MAX_WEBSOCKETS = 1000;
/** Broker paths the proxy serves: the public API and health, nothing else. */
const PROXIED = /^\/(v3\/|health\/)/;

function log(level, message, fields = {}) {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields })}\n`);
}

function sendError(res, status, message) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error_code: status, message }));
}

function authorizationOf(req) {
  return findSession(cookieValue(req.headers.cookie, COOKIE))?.authorization;
}

function proxyHttp(req, res) {
  if (req.headers['x-runnel-console'] !== '1') return sendError(res, 403, 'console API calls need the x-runnel-console: 1 header');
  const target = req.url.slice('/api/broker'.length) || '/';
  if (!PROXIED.test(target)) return sendError(res, 404, `the console does not proxy ${target.split('?')[0]}`);
  const headers = { 'x-client-id': 'runnel-console' };
  for (const name of FORWARDED_REQUEST) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  const authorization = authorizationOf(req);
  if (authorization) headers.authorization = authorization;
  const upstream = transport.request(
    { protocol: broker.protocol, hostname: broker.hostname, port: broker.port, path: target, method: req.method, headers, agent },
    (answer) => {
      const out = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      // Streams (search, events) reach the browser as the broker writes them.
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => sendError(res, 502, `the broker at ${config.brokerUrl} did not answer: ${error.message}`));
  // The browser went away (a cancelled search, a closed tab): stop the broker's work at once.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
}

let openWebSockets = 0;

function refuseUpgrade(socket, status, reason) {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function proxyWebSocket(req, socket, head) {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let sameHost = false;
    try {
      sameHost = new URL(origin).host === req.headers.host;
    } catch {
      sameHost = false;
    }
    if (!sameHost) return refuseUpgrade(socket, 403, 'Forbidden');
  }
  if (openWebSockets >= MAX_WEBSOCKETS) return refuseUpgrade(socket, 503, 'Service Unavailable');
  const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const headers = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'x-client-id': 'runnel-console',
  };
  for (const name of ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']) {
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  }
  const authorization = authorizationOf(req);
  if (authorization) headers.authorization = authorization;
  const upstream = transport.request({
    protocol: broker.protocol,
    hostname: broker.hostname,
    port: broker.port,
    path: `/v3/ws${query}`,
    method: 'GET',
    headers,
  });
  upstream.on('upgrade', (answer, brokerSocket, brokerHead) => {
    openWebSockets++;
    let lines = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (let i = 0; i < answer.rawHeaders.length; i += 2) lines += `${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`;
    socket.write(`${lines}\r\n`);
    if (brokerHead.length > 0) socket.write(brokerHead);
    if (head.length > 0) brokerSocket.write(head);
    brokerSocket.pipe(socket).pipe(brokerSocket);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      openWebSockets--;
      socket.destroy();
      brokerSocket.destroy();
    };
    socket.on('close', close).on('error', close);
    brokerSocket.on('close', close).on('error', close);
  });
  upstream.on('response', (answer) => {
    // The broker refused the upgrade (401, 403, 503): pass its status on.
    refuseUpgrade(socket, answer.statusCode ?? 502, answer.statusMessage ?? 'Refused');
    answer.resume();
  });
  upstream.on('error', () => refuseUpgrade(socket, 502, 'Bad Gateway'));
  socket.on('error', () => upstream.destroy());
  upstream.end();
}

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const next = require('next');
  const app = next({ dev: false, dir: __dirname, conf: undefined });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    if (req.url === '/api/broker' || req.url.startsWith('/api/broker/')) return proxyHttp(req, res);
    // The page asked for, so a sign-in redirect can come back to it (set here, never from the client).
    req.headers['x-runnel-path'] = req.url;
    handle(req, res).catch((error) => {
      log('error', 'page failed', { url: req.url, error: error.message });
      sendError(res, 500, 'the console failed to render this page');
    });
  });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/api/ws' || req.url.startsWith('/api/ws?')) return proxyWebSocket(req, socket, head);
    refuseUpgrade(socket, 404, 'Not Found');
  });
  server.maxConnections = 4096;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.listen(config.port, config.host, () => {
    const { port } = server.address();
    const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    log('info', `runnel console listening on http://${shown}:${port} (broker ${config.brokerUrl})`, { port });
  });
  const stop = () => {
    server.close();
    agent.destroy();
    setTimeout(() => process.exit(0), 2000).unref();
    server.closeAllConnections?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  log('fatal', `the console could not start: ${error.message}`, { dir: path.resolve(__dirname) });
  process.exit(1);
});
