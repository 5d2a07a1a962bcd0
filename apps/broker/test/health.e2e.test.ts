import { BrokerProcess, startBroker } from './support/broker-process';

describe('broker process: health', () => {
  let broker: BrokerProcess | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('answers liveness and readiness, and exits 0 on SIGTERM', async () => {
    broker = await startBroker();
    const live = await fetch(`${broker.baseUrl}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${broker.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await broker.stop()).toBe(0);
  });

  it('refuses a bad RUNNEL_HTTP_PORT with a message naming the variable', async () => {
    await expect(startBroker({ env: { RUNNEL_HTTP_PORT: 'eighty' } })).rejects.toThrow(/RUNNEL_HTTP_PORT=eighty is not a TCP port/);
  });
});
