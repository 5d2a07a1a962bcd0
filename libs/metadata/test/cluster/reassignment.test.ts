import type { PartitionState } from '../../src/cluster/cluster-store';
import { completeReassignment, InvalidReassignmentError, isReassigning, startReassignment } from '../../src/cluster/reassignment';

const partition = (over: Partial<PartitionState> = {}): PartitionState => ({
  topicName: 't',
  partitionId: 0,
  leader: 1,
  leaderEpoch: 4,
  partitionEpoch: 9,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leaderRecoveryState: 0,
  addingReplicas: [],
  removingReplicas: [],
  ...over,
});

describe('startReassignment', () => {
  it('adds the target replicas first and marks adding / removing', () => {
    const next = startReassignment(partition(), [4, 2, 5]);
    expect(next).toMatchObject({ replicas: [4, 2, 5, 1, 3], addingReplicas: [4, 5], removingReplicas: [1, 3], isr: [1, 2, 3], leader: 1 });
    expect(isReassigning(next)).toBe(true);
    // epochs are the store's and the controller's business
    expect(next).toMatchObject({ leaderEpoch: 4, partitionEpoch: 9 });
  });

  it('applies a pure reorder at once', () => {
    const next = startReassignment(partition(), [3, 1, 2]);
    expect(next).toMatchObject({ replicas: [3, 1, 2], addingReplicas: [], removingReplicas: [] });
    expect(isReassigning(next)).toBe(false);
  });

  it('only grows: nothing to remove', () => {
    expect(startReassignment(partition(), [1, 2, 3, 4])).toMatchObject({
      replicas: [1, 2, 3, 4],
      addingReplicas: [4],
      removingReplicas: [],
    });
  });

  it('only shrinks: nothing to add', () => {
    expect(startReassignment(partition(), [2, 3])).toMatchObject({ replicas: [2, 3, 1], addingReplicas: [], removingReplicas: [1] });
  });

  it('replaces a reassignment in progress, counting from the original replicas', () => {
    const first = startReassignment(partition(), [4, 5, 6]);
    const second = startReassignment({ ...first, isr: [1, 2, 3, 4] }, [4, 1, 7]);
    // 4 was being added and still is (the original replicas are 1, 2, 3); 5 and 6 go, like 2 and 3
    expect(second).toMatchObject({ replicas: [4, 1, 7, 5, 6, 2, 3], addingReplicas: [4, 7], removingReplicas: [5, 6, 2, 3] });
  });

  it('cancels (target null) by removing what was being added', () => {
    const started = startReassignment(partition(), [4, 5, 6]);
    const cancelled = startReassignment(started, null);
    expect(cancelled).toMatchObject({ replicas: [1, 2, 3, 4, 5, 6], addingReplicas: [], removingReplicas: [4, 5, 6] });
    expect(completeReassignment(cancelled)).toMatchObject({
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
      addingReplicas: [],
      removingReplicas: [],
    });
  });

  it('cancelling when nothing is in progress changes nothing', () => {
    expect(startReassignment(partition(), null)).toEqual(partition());
  });

  it('refuses empty, duplicate and negative targets', () => {
    expect(() => startReassignment(partition(), [])).toThrow(InvalidReassignmentError);
    expect(() => startReassignment(partition(), [1, 1])).toThrow(InvalidReassignmentError);
    expect(() => startReassignment(partition(), [1, -2])).toThrow(InvalidReassignmentError);
    expect(() => startReassignment(partition(), [1.5])).toThrow(InvalidReassignmentError);
    expect(() =>
      startReassignment(
        partition(),
        Array.from({ length: 257 }, (_, i) => i),
      ),
    ).toThrow('at most 256 replicas');
  });
});

describe('completeReassignment', () => {
  it('waits until every adding replica is in the ISR', () => {
    const started = startReassignment(partition(), [4, 2, 5]);
    expect(completeReassignment(started)).toBeNull();
    expect(completeReassignment({ ...started, isr: [1, 2, 3, 4] })).toBeNull();
  });

  it('completes: replicas = target, removing leave replicas and ISR', () => {
    const started = startReassignment(partition(), [4, 2, 5]);
    expect(completeReassignment({ ...started, isr: [1, 2, 3, 5, 4] })).toMatchObject({
      replicas: [4, 2, 5],
      isr: [2, 5, 4],
      addingReplicas: [],
      removingReplicas: [],
      leader: 1, // leaving the leader to the controller's election
    });
  });

  it('completes a pure shrink at once when someone stays in sync', () => {
    expect(completeReassignment(startReassignment(partition(), [2, 3]))).toMatchObject({ replicas: [2, 3], isr: [2, 3] });
  });

  it('does not complete when nobody would be left in the ISR', () => {
    const started = startReassignment(partition({ isr: [1] }), [2, 3]);
    expect(completeReassignment(started)).toBeNull();
  });

  it('answers null when no reassignment is in progress', () => {
    expect(completeReassignment(partition())).toBeNull();
  });
});
