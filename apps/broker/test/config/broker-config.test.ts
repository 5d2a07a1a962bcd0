import { ConfigError, loadBrokerConfig } from '../../src/config/broker-config';

const load = (env: Record<string, string>, fileLimit?: number) => loadBrokerConfig(env, fileLimit);

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe('loadBrokerConfig', () => {
  it('keeps every documented default when nothing is set', () => {
    const config = load({}, 20_000);
    expect(config.httpPort).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.maxRequestBytes).toBe(64 * 1024 * 1024);
    expect(config.logCleanerEnable).toBe(true);
    expect(config.produce).toEqual({ idempotencyWindowMs: 300_000, idempotencyMaxKeys: 100_000, idempotencyMaxBytes: 64 * 1024 * 1024 });
    expect(config.groups.limits.minSessionTimeoutMs).toBe(6000);
    expect(config.groups.wsPingIntervalMs).toBe(2000);
    expect(config.groups.wsIdleTimeoutMs).toBe(120_000);
    expect(config.topicDefaults['retention.ms']).toBe('604800000');
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
    expect(config.advertisedUrl).toBeUndefined();
  });

  it('reads decimal integers, and derives what depends on them', () => {
    const config = load({ RUNNEL_HTTP_PORT: '9092', RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '300', RUNNEL_IDEMPOTENCY_WINDOW_MS: '0' });
    expect(config.httpPort).toBe(9092);
    expect(config.groups.wsPingIntervalMs).toBe(100);
    expect(config.produce.idempotencyWindowMs).toBe(0);
  });

  it.each(['0x1F90', '1e3', ' 80', '80 ', '80.0', '+80', '-1', '８０', '65536'])(
    'refuses RUNNEL_HTTP_PORT=%j naming the variable',
    (raw) => {
      const message = refusal({ RUNNEL_HTTP_PORT: raw });
      expect(message).toContain(`RUNNEL_HTTP_PORT=${/^[\x21-\x7e]+$/.test(raw) ? raw : JSON.stringify(raw)} `);
      expect(message).toContain('is not a TCP port');
      expect(message).not.toContain('\n');
    },
  );

  it.each([
    ['RUNNEL_IDEMPOTENCY_WINDOW_MS', '1e3'],
    ['RUNNEL_GROUP_MAX_MEMBERS', '0x10'],
    ['RUNNEL_WS_PING_INTERVAL_MS', '100.0'],
    ['RUNNEL_MAX_CONNECTIONS', ' 10'],
    ['RUNNEL_TOPIC_RETENTION_MS', '1e3'],
    ['RUNNEL_TOPIC_SEGMENT_BYTES', ' 1048576'],
  ])('refuses %s=%j: integers everywhere are decimal digits', (name, raw) => {
    expect(refusal({ [name]: raw })).toContain(`${name}=`);
  });

  it('takes booleans as true|false|on|off only', () => {
    expect(load({ RUNNEL_LOG_CLEANER_ENABLE: 'off' }).logCleanerEnable).toBe(false);
    expect(load({ RUNNEL_LOG_CLEANER_ENABLE: 'on' }).logCleanerEnable).toBe(true);
    expect(load({ RUNNEL_LOG_CLEANER_ENABLE: 'false' }).logCleanerEnable).toBe(false);
    for (const raw of ['yes', '1', 'TRUE', ' true'])
      expect(refusal({ RUNNEL_LOG_CLEANER_ENABLE: raw })).toContain('RUNNEL_LOG_CLEANER_ENABLE=');
  });

  it('names every bad variable on one line', () => {
    const message = refusal({ RUNNEL_HTTP_PORT: 'http', RUNNEL_LOG_LEVEL: 'verbose' });
    expect(message).toMatch(/RUNNEL_HTTP_PORT=.*; RUNNEL_LOG_LEVEL=verbose is not one of trace, debug, info, warn, error, fatal/);
  });

  it('checks group session bounds against each other', () => {
    expect(refusal({ RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '50000' })).toContain('RUNNEL_GROUP_DEFAULT_SESSION_TIMEOUT_MS');
  });

  it('derives the connection bound from the descriptor limit, leaving the log files and a reserve', () => {
    const config = load({ RUNNEL_MAX_OPEN_FILES: '1000' }, 20_000);
    expect(config.maxConnections).toBe(20_000 - 1000 - 64);
    expect(config.maxConnectionsPerIp).toBe(Math.floor(config.maxConnections / 2));
    expect(load({ RUNNEL_MAX_CONNECTIONS: '10', RUNNEL_MAX_CONNECTIONS_PER_IP: '3' }, 20_000)).toMatchObject({
      maxConnections: 10,
      maxConnectionsPerIp: 3,
    });
  });

  it('reads CORS origins and the advertised URL as exact origins', () => {
    const config = load({
      RUNNEL_CORS_ORIGINS: 'https://app.example, http://localhost:3000',
      RUNNEL_ADVERTISED_URL: 'https://broker.example:8443',
    });
    expect(config.corsOrigins).toEqual(['https://app.example', 'http://localhost:3000']);
    expect(config.advertisedUrl).toBe('https://broker.example:8443');
    expect(refusal({ RUNNEL_CORS_ORIGINS: 'https://app.example,*' })).toContain('RUNNEL_CORS_ORIGINS=');
    expect(refusal({ RUNNEL_ADVERTISED_URL: 'broker.example' })).toContain('RUNNEL_ADVERTISED_URL=');
    expect(refusal({ RUNNEL_ADVERTISED_URL: 'https://broker.example/v3' })).toContain('RUNNEL_ADVERTISED_URL=');
  });
});
