import { ConfigError, loadBrokerConfig } from '../../src/config/broker-config';

/** The RUNNEL_HTTP_CONSUMER* settings: defaults, overrides, and the instance timeout kept within the group session bounds. */
describe('HTTP consumer settings', () => {
  it("defaults: 1000 instances, 100 per group, Confluent's 5-minute instance timeout, 30 s polls of 8 MiB", () => {
    expect(loadBrokerConfig({}, 4096).httpConsumers).toEqual({
      maxInstances: 1000,
      maxInstancesPerGroup: 100,
      instanceTimeoutMs: 300_000,
      maxPollWaitMs: 30_000,
      maxPollBytes: 8 * 1024 * 1024,
    });
  });

  it('reads the variables, and the default instance timeout follows a lower group session maximum', () => {
    const config = loadBrokerConfig(
      {
        RUNNEL_HTTP_CONSUMERS_MAX: '5',
        RUNNEL_HTTP_CONSUMERS_MAX_PER_GROUP: '2',
        RUNNEL_HTTP_CONSUMER_MAX_POLL_WAIT_MS: '100',
        RUNNEL_HTTP_CONSUMER_MAX_POLL_BYTES: '2048',
        RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS: '60000',
      },
      4096,
    );
    expect(config.httpConsumers).toEqual({
      maxInstances: 5,
      maxInstancesPerGroup: 2,
      instanceTimeoutMs: 60_000,
      maxPollWaitMs: 100,
      maxPollBytes: 2048,
    });
  });

  it('refuses an instance timeout outside the group session bounds (it is the member session), and bad values', () => {
    expect(() => loadBrokerConfig({ RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS: '1000' }, 4096)).toThrow(
      new ConfigError(
        "RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS=1000 must lie within RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS=6000 and RUNNEL_GROUP_MAX_SESSION_TIMEOUT_MS=300000 (it is the instance's group session)",
      ),
    );
    expect(loadBrokerConfig({ RUNNEL_HTTP_CONSUMER_INSTANCE_TIMEOUT_MS: '7000' }, 4096).httpConsumers.instanceTimeoutMs).toBe(7000);
    expect(() => loadBrokerConfig({ RUNNEL_HTTP_CONSUMERS_MAX: '0' }, 4096)).toThrow(/RUNNEL_HTTP_CONSUMERS_MAX=0/);
    expect(() => loadBrokerConfig({ RUNNEL_HTTP_CONSUMER_MAX_POLL_BYTES: '1e6' }, 4096)).toThrow(/RUNNEL_HTTP_CONSUMER_MAX_POLL_BYTES/);
  });
});
