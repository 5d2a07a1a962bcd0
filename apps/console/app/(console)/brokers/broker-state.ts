import type { BrokerSummary } from './types';

/** How a broker's state reads in the console, and the badge tone that goes with it. */
export function brokerState(b: Pick<BrokerSummary, 'alive' | 'state'>): { label: string; tone: 'green' | 'amber' | 'red' } {
  if (!b.alive) return { label: b.state === 'STOPPED' ? 'Stopped' : 'Lease expired', tone: 'red' };
  if (b.state === 'CONTROLLED_SHUTDOWN') return { label: 'Shutting down', tone: 'amber' };
  if (b.state === 'STOPPED') return { label: 'Stopped', tone: 'red' };
  return { label: 'Running', tone: 'green' };
}

/** host:port as clients reach the broker, or its advertised URL when it has no host. */
export function brokerAddress(b: Pick<BrokerSummary, 'host' | 'port' | 'advertised_url'>): string {
  if (b.host === null) return b.advertised_url ?? '—';
  const host = b.host.includes(':') ? `[${b.host}]` : b.host;
  return b.port === null ? host : `${host}:${b.port}`;
}
