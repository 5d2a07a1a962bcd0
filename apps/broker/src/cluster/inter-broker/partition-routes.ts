import { asOffset } from '@runnel/protocol';
import { ReplicationError, type Acks, type Partition } from '@runnel/replication';
import type { RouteCall, RouteHandler } from './inter-broker-server';
import { FrameError, decodeFrame, encodeFrame } from './frame';
import type { PartitionStateSnapshot, PartitionStatesRequest, PartitionStatesResponse } from './types';

/**
 * The leader's side of forwarding: a broker that does not lead a partition sends each
 * PartitionHandle call here (RemotePartition), and these handlers run it on the local leader
 * `Partition` exactly as a local caller would (same validation, same errors).
 *
 * Every call names the leader epoch the caller routed by; like Kafka's currentLeaderEpoch
 * (KIP-320) a lower one is FENCED_LEADER_EPOCH, a higher one UNKNOWN_LEADER_EPOCH (this broker
 * has not applied the change yet), and a partition not led here NOT_LEADER_OR_FOLLOWER — all
 * retriable once the caller's view catches up.
 */
const PARTITIONS_PER_STATES_CALL_MAX = 10_000;
const READ_BYTES_MAX = 64 * 1024 * 1024;

interface PartitionParams {
  topic: string;
  partition: number;
  leaderEpoch?: number;
}

export class PartitionRoutes {
  constructor(
    private readonly localPartition: (topic: string, partition: number) => Partition | undefined,
    private readonly maxWaitMs: number,
  ) {}

  handlers(): Record<string, RouteHandler> {
    return {
      produce: (call) => this.produce(call),
      read: (call) => this.read(call),
      'wait-for-data': (call) => this.waitForData(call),
      'offset-for-timestamp': (call) => this.offsetForTimestamp(call),
      'delete-records': (call) => this.deleteRecords(call),
      'partition-states': (call) => this.partitionStates(call),
    };
  }

  private async produce({ body }: RouteCall): Promise<Buffer[]> {
    const { params, body: batches } = decodeFrame<PartitionParams & { acks: Acks }>(body);
    const partition = this.leader(params);
    if (params.acks !== 0 && params.acks !== 1 && params.acks !== -1) throw new FrameError(`acks ${String(params.acks)} is not 0, 1 or -1`);
    const result = await partition.append(batches, params.acks);
    return encodeFrame({ result, state: snapshotOf(partition) });
  }

  private async read({ body }: RouteCall): Promise<Buffer[]> {
    const { params } = decodeFrame<PartitionParams & { offset: number; maxBytes: number }>(body);
    const partition = this.leader(params);
    // Bounded like every answer of this listener; a smaller read just continues at nextOffset.
    const maxBytes = Math.min(integer(params.maxBytes, 'maxBytes'), READ_BYTES_MAX);
    const result = await partition.read(asOffset(integer(params.offset, 'offset')), maxBytes);
    const { bytes, ...rest } = result;
    return encodeFrame({ ...rest, state: snapshotOf(partition) }, bytes);
  }

  private async waitForData({ body, signal }: RouteCall): Promise<Buffer[]> {
    const { params } = decodeFrame<PartitionParams & { offset: number; timeoutMs: number }>(body);
    const partition = this.leader(params);
    const timeoutMs = Math.max(0, Math.min(integer(params.timeoutMs, 'timeoutMs'), this.maxWaitMs));
    const ready = await partition.waitForData(integer(params.offset, 'offset'), timeoutMs, signal);
    return encodeFrame({ ready, state: snapshotOf(partition) });
  }

  private async offsetForTimestamp({ body }: RouteCall): Promise<Buffer[]> {
    const { params } = decodeFrame<PartitionParams & { timestampMs: number }>(body);
    const partition = this.leader(params);
    const found = await partition.offsetForTimestamp(integer(params.timestampMs, 'timestampMs'));
    return encodeFrame({ found, state: snapshotOf(partition) });
  }

  private async deleteRecords({ body }: RouteCall): Promise<Buffer[]> {
    const { params } = decodeFrame<PartitionParams & { offset: number }>(body);
    const partition = this.leader(params);
    const logStartOffset = await partition.deleteRecordsBefore(asOffset(integer(params.offset, 'offset')));
    return encodeFrame({ logStartOffset, state: snapshotOf(partition) });
  }

  /**
   * Long poll: answers at once when any asked partition's state differs from what the caller
   * holds (or became led, or stopped being led here), else when one of their HWs moves or one
   * closes, or after maxWaitMs. A change that moves no HW (log start, size; a partition taken
   * over meanwhile) is picked up at the latest by the next answer.
   */
  private async partitionStates({ body, signal }: RouteCall): Promise<Buffer[]> {
    const { params } = decodeFrame<PartitionStatesRequest>(body);
    if (!Array.isArray(params.partitions) || params.partitions.length > PARTITIONS_PER_STATES_CALL_MAX) {
      throw new FrameError(`partition-states takes at most ${PARTITIONS_PER_STATES_CALL_MAX} partitions`);
    }
    const maxWaitMs = Math.max(0, Math.min(integer(params.maxWaitMs, 'maxWaitMs'), this.maxWaitMs));
    const answer = (): Buffer[] => encodeFrame(this.states(params));
    const held = params.partitions.map((p) => ({ asked: p, local: this.ledHere(p.topic, p.partition) }));
    const changed = held.some(({ asked, local }) =>
      local ? asked.notLed === true || !asked.known || !sameState(asked.known, snapshotOf(local)) : asked.notLed !== true,
    );
    if (changed || maxWaitMs === 0 || signal.aborted) return answer();
    await new Promise<void>((resolve) => {
      const unsubscribes: (() => void)[] = [];
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const unsubscribe of unsubscribes) unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      signal.addEventListener('abort', done, { once: true });
      for (const { local } of held) if (local) unsubscribes.push(local.onHighWatermark(done));
    });
    return answer();
  }

  private states(request: PartitionStatesRequest): PartitionStatesResponse {
    return {
      partitions: request.partitions.map(({ topic, partition }) => {
        const local = this.ledHere(topic, partition);
        return local ? { topic, partition, state: snapshotOf(local) } : { topic, partition, error: 'NOT_LEADER_OR_FOLLOWER' };
      }),
    };
  }

  private ledHere(topic: string, partition: number): Partition | undefined {
    const local = typeof topic === 'string' && Number.isSafeInteger(partition) ? this.localPartition(topic, partition) : undefined;
    return local && !local.isClosed && roleOf(local) !== 'follower' ? local : undefined;
  }

  private leader(params: PartitionParams): Partition {
    if (typeof params?.topic !== 'string' || !Number.isSafeInteger(params.partition))
      throw new FrameError('topic and partition are required');
    const { topic, partition } = params;
    const local = this.ledHere(topic, partition);
    if (!local) throw new ReplicationError('NOT_LEADER_OR_FOLLOWER', topic, partition, `this broker does not lead ${topic}-${partition}`);
    const epoch = params.leaderEpoch;
    if (epoch !== undefined && epoch !== null) {
      if (epoch < local.leaderEpoch) {
        throw new ReplicationError(
          'FENCED_LEADER_EPOCH',
          topic,
          partition,
          `leader epoch ${epoch} of ${topic}-${partition} is older than ${local.leaderEpoch}`,
        );
      }
      if (epoch > local.leaderEpoch) {
        throw new ReplicationError(
          'UNKNOWN_LEADER_EPOCH',
          topic,
          partition,
          `leader epoch ${epoch} of ${topic}-${partition} is newer than ${local.leaderEpoch} known here`,
        );
      }
    }
    return local;
  }
}

export function snapshotOf(partition: Partition): PartitionStateSnapshot {
  return {
    leaderEpoch: partition.leaderEpoch,
    highWatermark: partition.highWatermark,
    logStartOffset: partition.logStartOffset,
    logEndOffset: partition.logEndOffset,
    sizeBytes: partition.sizeBytes,
  };
}

function sameState(a: PartitionStateSnapshot, b: PartitionStateSnapshot): boolean {
  return (
    a.leaderEpoch === b.leaderEpoch &&
    a.highWatermark === b.highWatermark &&
    a.logStartOffset === b.logStartOffset &&
    a.logEndOffset === b.logEndOffset &&
    a.sizeBytes === b.sizeBytes
  );
}

/** `role` arrives with replication (c-repl); a Partition without it is a single-node leader. */
function roleOf(partition: Partition): string {
  return (partition as { role?: string }).role ?? 'leader';
}

function integer(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new FrameError(`${name} must be an integer`);
  return value;
}
