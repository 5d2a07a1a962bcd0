import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadBrokerConfig } from '../../../apps/broker/src/config/broker-config';

/**
 * docker-compose.yml cannot be started here (no Docker engine), so what a `docker compose up`
 * would hand each broker is checked against the broker's own config parser: three cluster
 * members with distinct ids on one PostgreSQL service, each advertising an inter-broker address
 * the others can resolve, and a console pointed at a broker.
 */
const ROOT = path.resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed YAML document, read field by field
const compose: any = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const brokers = ['broker-1', 'broker-2', 'broker-3'];

it('defines PostgreSQL 17, three brokers built from the Dockerfile, and the console', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['broker-1', 'broker-2', 'broker-3', 'console', 'postgres']);
  expect(compose.services.postgres.image).toBe('postgres:17');
  for (const name of brokers) {
    expect(compose.services[name].build).toBe('.');
    expect(compose.services[name].depends_on.postgres.condition).toBe('service_healthy');
  }
  expect(fs.existsSync(path.join(ROOT, 'Dockerfile'))).toBe(true);
});

it('gives each broker an environment the broker accepts as a cluster member with its own id and addresses', () => {
  const postgres = compose.services.postgres.environment;
  const seen = new Set<number>();
  for (const name of brokers) {
    const config = loadBrokerConfig(compose.services[name].environment, 65_536);
    expect(config.cluster).toBeDefined();
    const url = new URL(config.cluster!.metadataUrl);
    expect(url.hostname).toBe('postgres');
    expect(decodeURIComponent(url.username)).toBe(postgres.POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    expect(config.cluster!.interBrokerAdvertised).toBe(`${name}:${config.cluster!.interBrokerPort}`);
    expect(config.cluster!.defaultReplicationFactor).toBe(3);
    seen.add(config.brokerId);
  }
  expect([...seen].sort()).toEqual([1, 2, 3]);
  const hostPorts = brokers.map((name) => compose.services[name].ports[0].split(':')[0]);
  expect(new Set(hostPorts).size).toBe(3);
});

it('points the console at a broker service', () => {
  const url = new URL(compose.services.console.environment.RUNNEL_BROKER_URL);
  expect(brokers).toContain(url.hostname);
  expect(compose.services.console.image).toBe(compose.services['broker-1'].image);
});
