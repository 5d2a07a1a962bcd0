import { brokerAddress, brokerState } from '../../app/(console)/brokers/broker-state';
import { reassignmentProgress } from '../../app/(console)/topics/[topic]/reassignment';

/** How the Brokers page names a broker's state and address, and how a partition's reassignment progress reads. */
describe('broker state and address', () => {
  it('names the state: running, shutting down, stopped, lease expired', () => {
    expect(brokerState({ alive: true, state: 'RUNNING' })).toEqual({ label: 'Running', tone: 'green' });
    expect(brokerState({ alive: true, state: 'CONTROLLED_SHUTDOWN' })).toEqual({ label: 'Shutting down', tone: 'amber' });
    expect(brokerState({ alive: false, state: 'STOPPED' })).toEqual({ label: 'Stopped', tone: 'red' });
    expect(brokerState({ alive: false, state: 'RUNNING' })).toEqual({ label: 'Lease expired', tone: 'red' });
  });

  it('shows host:port (IPv6 in brackets), else the advertised URL, else a dash', () => {
    expect(brokerAddress({ host: 'b1', port: 8081, advertised_url: 'http://b1:8081' })).toBe('b1:8081');
    expect(brokerAddress({ host: '::1', port: 8081, advertised_url: null })).toBe('[::1]:8081');
    expect(brokerAddress({ host: null, port: null, advertised_url: null })).toBe('—');
  });
});

describe('reassignment progress', () => {
  it('counts the replicas being added that have joined the ISR, and names those to remove', () => {
    expect(reassignmentProgress({ adding_replicas: [4, 5], removing_replicas: [1] }, [2, 3, 4])).toEqual({
      text: 'Reassigning: adding 4, 5 (1 of 2 in sync); removing 1',
      caughtUp: 1,
      adding: 2,
    });
    expect(reassignmentProgress({ adding_replicas: [], removing_replicas: [3] }, [1, 2]).text).toBe('Reassigning: removing 3');
  });
});
