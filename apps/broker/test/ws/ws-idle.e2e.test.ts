import { BrokerProcess, startBroker } from '../support/broker-process';
import { WsClient } from './ws-client';

/** The gateway closes a socket that answers no ping and sends nothing for RUNNEL_WS_IDLE_TIMEOUT_MS; a live one stays. */
describe('broker process: idle WebSocket connections', () => {
  let broker: BrokerProcess;
  const clients: WsClient[] = [];
  beforeAll(async () => {
    broker = await startBroker({ env: { RUNNEL_WS_PING_INTERVAL_MS: '50', RUNNEL_WS_IDLE_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await broker?.stop();
  });

  it('terminates a silent peer and keeps one that answers pings', async () => {
    const silent = await WsClient.open(broker.baseUrl, '/v3/ws', { autoPong: false });
    const live = await WsClient.open(broker.baseUrl);
    clients.push(silent, live);
    await silent.untilClosed();
    expect(live.closeCode).toBeUndefined();
    live.send({ type: 'bogus' });
    expect((await live.next('error')).error_code).toBe(40001);
  });
});
