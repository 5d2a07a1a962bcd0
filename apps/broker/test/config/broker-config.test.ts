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

  describe('security variables', () => {
    it('keeps authentication off by default, with Kafka-like defaults for the rest', () => {
      const security = load({}).security;
      expect(security).toMatchObject({
        enabled: false,
        adminPassword: undefined,
        superUsers: ['User:admin'],
        metricsPublic: false,
        allowEveryoneIfNoAclFound: false,
        allowedOrigins: [],
        credentialCacheMs: 300_000,
        failuresBeforeDelay: 5,
        maxFailureDelayMs: 5_000,
        wsTicketTtlMs: 30_000,
        tls: undefined,
        quotas: { windowCount: 11, windowMs: 1000, maxDelayMs: 30_000 },
      });
    });

    it('reads every security variable', () => {
      const security = load({
        RUNNEL_AUTH: 'on',
        RUNNEL_ADMIN_PASSWORD: 'a-long-password',
        RUNNEL_SUPER_USERS: 'User:admin; User:ops',
        RUNNEL_METRICS_PUBLIC: 'on',
        RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND: 'true',
        RUNNEL_ALLOWED_ORIGINS: 'https://console.example',
        RUNNEL_AUTH_CACHE_MS: '0',
        RUNNEL_AUTH_FAILURES_BEFORE_DELAY: '3',
        RUNNEL_AUTH_MAX_FAILURE_DELAY_MS: '800',
        RUNNEL_WS_TICKET_TTL_MS: '1000',
        RUNNEL_AUDIT_RETENTION_MS: '60000',
        RUNNEL_QUOTA_WINDOW_NUM: '10',
        RUNNEL_QUOTA_WINDOW_SIZE_MS: '100',
        RUNNEL_QUOTA_MAX_DELAY_MS: '0',
      }).security;
      expect(security).toMatchObject({
        enabled: true,
        adminPassword: 'a-long-password',
        superUsers: ['User:admin', 'User:ops'],
        metricsPublic: true,
        allowEveryoneIfNoAclFound: true,
        allowedOrigins: ['https://console.example'],
        credentialCacheMs: 0,
        failuresBeforeDelay: 3,
        maxFailureDelayMs: 800,
        wsTicketTtlMs: 1000,
        auditRetentionMs: 60_000,
        quotas: { windowCount: 10, windowMs: 100, maxDelayMs: 0 },
      });
      const tls = load({
        RUNNEL_TLS_CERT: 'cert.pem',
        RUNNEL_TLS_KEY: 'key.pem',
        RUNNEL_TLS_CA: 'ca.pem',
        RUNNEL_TLS_CLIENT_AUTH: 'required',
      }).security.tls;
      expect(tls).toMatchObject({
        clientAuth: 'required',
        principalMappingRules: 'DEFAULT',
        certFile: expect.stringMatching(/cert\.pem$/),
      });
    });

    it.each([
      ['RUNNEL_AUTH', 'yes'],
      ['RUNNEL_METRICS_PUBLIC', '1'],
      ['RUNNEL_ALLOW_EVERYONE_IF_NO_ACL_FOUND', 'TRUE'],
      ['RUNNEL_ALLOWED_ORIGINS', '*'],
      ['RUNNEL_AUTH_CACHE_MS', '-1'],
      ['RUNNEL_AUTH_FAILURES_BEFORE_DELAY', '1e3'],
      ['RUNNEL_AUTH_MAX_FAILURE_DELAY_MS', '600001'],
      ['RUNNEL_WS_TICKET_TTL_MS', '999'],
      ['RUNNEL_AUDIT_RETENTION_MS', '59999'],
      ['RUNNEL_TLS_CLIENT_AUTH', 'optional'],
      ['RUNNEL_QUOTA_WINDOW_NUM', '1'],
      ['RUNNEL_QUOTA_WINDOW_SIZE_MS', '9'],
      ['RUNNEL_QUOTA_MAX_DELAY_MS', '0x10'],
    ])('refuses %s=%j naming the variable', (name, raw) => {
      const message = refusal({ [name]: raw });
      expect(message).toContain(`${name}=`);
      expect(message).not.toContain('\n');
    });

    it.each([
      [{ RUNNEL_SUPER_USERS: 'admin' }, 'RUNNEL_SUPER_USERS'],
      [{ RUNNEL_SUPER_USERS: 'User:admin;Group:ops' }, 'RUNNEL_SUPER_USERS'],
      [{ RUNNEL_TLS_CERT: 'cert.pem' }, 'RUNNEL_TLS_KEY'],
      [{ RUNNEL_TLS_KEY: 'key.pem' }, 'RUNNEL_TLS_CERT'],
      [{ RUNNEL_TLS_CERT: 'c.pem', RUNNEL_TLS_KEY: 'k.pem', RUNNEL_TLS_CLIENT_AUTH: 'required' }, 'RUNNEL_TLS_CA'],
      [{ RUNNEL_TLS_CA: 'ca.pem', RUNNEL_TLS_CLIENT_AUTH: 'requested' }, 'RUNNEL_TLS_CERT'],
    ])('refuses %j naming %s', (env, name) => {
      expect(refusal(env)).toContain(name);
    });

    it('refuses a RUNNEL_ADMIN_PASSWORD shorter than 8 or longer than 1024 characters without showing it', () => {
      for (const password of ['short-1', 'p'.repeat(1025)]) {
        const message = refusal({ RUNNEL_ADMIN_PASSWORD: password });
        expect(message).toContain('RUNNEL_ADMIN_PASSWORD must have 8 to 1024 characters');
        expect(message).not.toContain(password);
      }
    });
  });
});
