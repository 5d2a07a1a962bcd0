import * as path from 'node:path';

/**
 * Broker configuration from the environment, validated once at boot. A bad value stops the
 * process with a message naming the variable, never a stack trace.
 */
export interface BrokerConfig {
  dataDir: string;
  httpPort: number;
  host: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadBrokerConfig(env: NodeJS.ProcessEnv): BrokerConfig {
  return {
    dataDir: path.resolve(env.RUNNEL_DATA_DIR ?? './data'),
    httpPort: parsePort('RUNNEL_HTTP_PORT', env.RUNNEL_HTTP_PORT, 8080),
    host: env.RUNNEL_HOST ?? '0.0.0.0',
  };
}

function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name}=${raw} is not a TCP port (0-65535)`);
  }
  return port;
}
