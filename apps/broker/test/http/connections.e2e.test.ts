import { BrokerProcess, startBroker } from '../support/broker-process';
import { createTopicOn } from '../support/topic-helpers';
import { RawSocket, bodyOf, openRaw, rawRequest, statusOf, waitFor } from './raw-http';

const port = (broker: BrokerProcess): number => Number(new URL(broker.baseUrl).port);

async function metric(broker: BrokerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('HTTP edge: slow clients are timed out', () => {
  let broker: BrokerProcess;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    broker = await startBroker({
      env: { RUNNEL_HTTP_HEADERS_TIMEOUT_MS: '1000', RUNNEL_HTTP_REQUEST_TIMEOUT_MS: '1500', RUNNEL_HTTP_IDLE_TIMEOUT_MS: '1000' },
    });
    await createTopicOn(broker, 'slow', 1);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('closes a connection that sends its headers slowly, with 408', async () => {
    const raw = await openRaw(port(broker));
    sockets.push(raw);
    raw.write('GET /health/live HTTP/1.1\r\n');
    const trickle = setInterval(() => raw.write('X-Slow: 1\r\n'), 200);
    await raw.closed;
    clearInterval(trickle);
    expect(statusOf(raw.received())).toBe(408);
  });

  it('closes a connection that never sends anything', async () => {
    const raw = await openRaw(port(broker));
    sockets.push(raw);
    await raw.closed;
    expect(raw.socket.destroyed).toBe(true);
  });

  it('answers 408 to a JSON body sent slowly but steadily, and appends nothing', async () => {
    const raw = await openRaw(port(broker));
    sockets.push(raw);
    const body = JSON.stringify({ value: { type: 'JSON', data: 'x'.repeat(200) } });
    raw.write(
      `POST /v3/clusters/-/topics/slow/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    let sent = 0;
    // One byte every 100 ms: never idle, but the whole body would take 20 s.
    const trickle = setInterval(() => raw.write(body[sent++] ?? ''), 100);
    await raw.closed;
    clearInterval(trickle);
    expect(sent).toBeLessThan(body.length);
    expect(statusOf(raw.received())).toBe(408);
    expect(bodyOf(raw.received())).toEqual({ error_code: 408, message: expect.stringContaining('RUNNEL_HTTP_REQUEST_TIMEOUT_MS') });
    const read = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/slow/partitions/0/records?offset=0`)).json()) as {
      high_watermark: number;
    };
    expect(read.high_watermark).toBe(0);
    expect(await metric(broker, 'runnel_http_requests_timed_out_total')).toBeGreaterThanOrEqual(2);
  });

  it('keeps an NDJSON produce stream open past the request timeout while it sends, and closes it once it stalls', async () => {
    const raw = await openRaw(port(broker));
    sockets.push(raw);
    raw.write(
      'POST /v3/clusters/-/topics/slow/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const line = `${JSON.stringify({ value: { type: 'STRING', data: 'streamed' } })}\n`;
    const chunk = `${Buffer.byteLength(line).toString(16)}\r\n${line}\r\n`;
    const startedAt = Date.now();
    let lines = 0;
    const producer = setInterval(() => {
      raw.write(chunk);
      lines++;
    }, 250);
    // Longer than RUNNEL_HTTP_REQUEST_TIMEOUT_MS (1.5 s): a stream that keeps sending is not cut.
    await waitFor(() => Date.now() - startedAt > 3000 || raw.socket.destroyed, 'the stream to outlive the request timeout');
    clearInterval(producer);
    expect(raw.socket.destroyed).toBe(false);
    await waitFor(async () => {
      const read = (await (await fetch(`${broker.baseUrl}/v3/clusters/-/topics/slow/partitions/0/records?offset=0`)).json()) as {
        high_watermark: number;
      };
      return read.high_watermark >= lines;
    }, 'the streamed records to be appended');
    // Now silent: closed after RUNNEL_HTTP_IDLE_TIMEOUT_MS.
    await raw.closed;
  });

  it('never cuts a long poll that waits longer than the idle and request timeouts', async () => {
    await createTopicOn(broker, 'quiet', 1);
    const before = Date.now();
    // Nothing arrives: the broker holds the request for timeout_ms, then answers an empty read.
    const response = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/quiet/partitions/0/records?offset=0&timeout_ms=3000`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown[] }).data).toEqual([]);
    expect(Date.now() - before).toBeGreaterThanOrEqual(2900);
  });
});

describe('HTTP edge: connection bounds', () => {
  let broker: BrokerProcess | undefined;
  const sockets: RawSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await broker?.stop();
    broker = undefined;
  });

  it('refuses requests and WebSocket upgrades over the per-address bound with 503/50003 and Connection: close, while another address is served', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_CONNECTIONS_PER_IP: '2' } });
    const p = port(broker);
    for (let i = 0; i < 2; i++) sockets.push(await openRaw(p, '127.0.0.1'));
    const refused = await rawRequest(p, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', '127.0.0.1');
    expect(statusOf(refused)).toBe(503);
    expect(refused.toLowerCase()).toContain('connection: close');
    expect(bodyOf(refused)).toEqual({ error_code: 50003, message: expect.any(String) });
    const upgrade = await rawRequest(
      p,
      'GET /v3/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      '127.0.0.1',
    );
    expect(statusOf(upgrade)).toBe(503);
    expect(bodyOf(upgrade)).toEqual({ error_code: 50003, message: expect.any(String) });
    const other = await rawRequest(p, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '127.0.0.2');
    expect(statusOf(other)).toBe(200);
    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor(async () => {
      const ok = await rawRequest(p, 'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', '127.0.0.1');
      return statusOf(ok) === 200;
    }, 'the address to be served again once its sockets closed');
    expect(await metric(broker, 'runnel_http_connections_refused_total')).toBeGreaterThanOrEqual(1);
  });

  it('closes connections over the total bound at accept, counts them, and serves again once below it', async () => {
    broker = await startBroker({ env: { RUNNEL_MAX_CONNECTIONS: '3', RUNNEL_MAX_CONNECTIONS_PER_IP: '3' } });
    const p = port(broker);
    for (let i = 0; i < 3; i++) sockets.push(await openRaw(p, `127.0.0.${i + 1}`));
    const over = await openRaw(p, '127.0.0.9');
    sockets.push(over);
    await over.closed;
    expect(over.received()).toBe('');
    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor(async () => {
      try {
        return (await fetch(`${broker!.baseUrl}/health/live`)).status === 200;
      } catch {
        return false;
      }
    }, 'the broker to accept again');
    expect(await metric(broker, 'runnel_http_connections_refused_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(broker, 'runnel_http_connections')).toBeGreaterThanOrEqual(1);
  });
});
