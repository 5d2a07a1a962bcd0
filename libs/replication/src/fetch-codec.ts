import type {
  ReplicaFetchError,
  ReplicaFetchPartition,
  ReplicaFetchPartitionResponse,
  ReplicaFetchRequest,
  ReplicaFetchResponse,
} from './replica-fetch';

/**
 * Binary framing of the replica fetch protocol (replica-fetch.ts) for the inter-broker channel:
 * a small JSON header for the fields, and the records of each partition appended after it as raw
 * bytes — never base64, never re-encoded, never copied on decode (the decoded `records` are views
 * of the input buffer).
 *
 *   FetchRequest  := version uint8 (0) | headerLength uint32 | header: UTF-8 JSON of ReplicaFetchRequest
 *   FetchResponse := version uint8 (0) | headerLength uint32 | header: UTF-8 JSON {partitions: [
 *                      {topic, partition, error, highWatermark, logStartOffset, divergingEpoch?, recordsLength}]}
 *                    | records of partitions[0] (recordsLength bytes) | records of partitions[1] | ...
 *
 * Decoding is bounded: a header above MAX_FETCH_HEADER_BYTES, a length past the end of the input,
 * trailing bytes, or a field of the wrong type throws FetchCodecError before anything is allocated
 * for it. Integers are JSON numbers and must be safe integers (offsets stay below 2^53).
 */

export const FETCH_CODEC_VERSION = 0;
export const MAX_FETCH_HEADER_BYTES = 1024 * 1024;
const PREFIX_BYTES = 5;

export class FetchCodecError extends Error {
  override readonly name = 'FetchCodecError';
}

const FETCH_ERRORS: ReadonlySet<string> = new Set<ReplicaFetchError>([
  'NONE',
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'OFFSET_OUT_OF_RANGE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'STALE_BROKER_EPOCH',
  'KAFKA_STORAGE_ERROR',
]);

/** The request as one buffer (it carries no records). */
export function encodeFetchRequest(request: ReplicaFetchRequest): Buffer {
  const header = {
    replicaId: request.replicaId,
    brokerEpoch: request.brokerEpoch,
    maxWaitMs: request.maxWaitMs,
    maxBytes: request.maxBytes,
    partitions: request.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      currentLeaderEpoch: p.currentLeaderEpoch,
      fetchOffset: p.fetchOffset,
      lastFetchedEpoch: p.lastFetchedEpoch,
      durableOffset: p.durableOffset,
      logStartOffset: p.logStartOffset,
      maxBytes: p.maxBytes,
    })),
  };
  return Buffer.concat(frame(header));
}

export function decodeFetchRequest(bytes: Buffer): ReplicaFetchRequest {
  const { header, rest } = unframe(bytes);
  if (rest.length !== 0) throw new FetchCodecError(`fetch request has ${rest.length} bytes after its header`);
  const r = new FieldReader(header, 'request');
  return {
    replicaId: r.int('replicaId'),
    brokerEpoch: r.int('brokerEpoch'),
    maxWaitMs: r.int('maxWaitMs', 0),
    maxBytes: r.int('maxBytes', 0),
    partitions: r.array('partitions').map((value, i): ReplicaFetchPartition => {
      const p = new FieldReader(value, `partitions[${i}]`);
      return {
        topic: p.string('topic'),
        partition: p.int('partition', 0),
        currentLeaderEpoch: p.int('currentLeaderEpoch', -1),
        fetchOffset: p.int('fetchOffset', 0),
        lastFetchedEpoch: p.int('lastFetchedEpoch', -1),
        durableOffset: p.int('durableOffset', -1),
        logStartOffset: p.int('logStartOffset', -1),
        maxBytes: p.int('maxBytes', 0),
      };
    }),
  };
}

/**
 * The response as chunks — prefix+header, then each partition's records buffer itself — for a
 * writer that sends them one after another without concatenating (HTTP `res.write` per chunk).
 */
export function encodeFetchResponseChunks(response: ReplicaFetchResponse): Buffer[] {
  const header = {
    partitions: response.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      error: p.error,
      highWatermark: p.highWatermark,
      logStartOffset: p.logStartOffset,
      ...(p.divergingEpoch ? { divergingEpoch: { epoch: p.divergingEpoch.epoch, endOffset: p.divergingEpoch.endOffset } } : {}),
      recordsLength: p.records.length,
    })),
  };
  return [...frame(header), ...response.partitions.map((p) => p.records).filter((records) => records.length > 0)];
}

export function encodeFetchResponse(response: ReplicaFetchResponse): Buffer {
  return Buffer.concat(encodeFetchResponseChunks(response));
}

export function decodeFetchResponse(bytes: Buffer): ReplicaFetchResponse {
  const { header, rest } = unframe(bytes);
  const r = new FieldReader(header, 'response');
  let position = 0;
  const partitions = r.array('partitions').map((value, i): ReplicaFetchPartitionResponse => {
    const p = new FieldReader(value, `partitions[${i}]`);
    const error = p.string('error');
    if (!FETCH_ERRORS.has(error)) throw new FetchCodecError(`partitions[${i}].error: unknown error ${JSON.stringify(error)}`);
    const recordsLength = p.int('recordsLength', 0);
    if (recordsLength > rest.length - position) {
      throw new FetchCodecError(`partitions[${i}]: ${recordsLength} record bytes but ${rest.length - position} left`);
    }
    const records = rest.subarray(position, position + recordsLength);
    position += recordsLength;
    const diverging = p.optionalObject('divergingEpoch');
    return {
      topic: p.string('topic'),
      partition: p.int('partition', 0),
      error: error as ReplicaFetchError,
      highWatermark: p.int('highWatermark', -1),
      logStartOffset: p.int('logStartOffset', -1),
      ...(diverging ? { divergingEpoch: { epoch: diverging.int('epoch', -1), endOffset: diverging.int('endOffset', -1) } } : {}),
      records,
    };
  });
  if (position !== rest.length) throw new FetchCodecError(`fetch response has ${rest.length - position} bytes after its records`);
  return { partitions };
}

function frame(header: unknown): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_FETCH_HEADER_BYTES) {
    throw new FetchCodecError(`fetch header of ${json.length} bytes exceeds ${MAX_FETCH_HEADER_BYTES} (too many partitions in one fetch)`);
  }
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  prefix.writeUInt8(FETCH_CODEC_VERSION, 0);
  prefix.writeUInt32BE(json.length, 1);
  return [prefix, json];
}

function unframe(bytes: Buffer): { header: unknown; rest: Buffer } {
  if (bytes.length < PREFIX_BYTES) throw new FetchCodecError(`fetch message of ${bytes.length} bytes is shorter than its prefix`);
  const version = bytes.readUInt8(0);
  if (version !== FETCH_CODEC_VERSION) throw new FetchCodecError(`unsupported fetch codec version ${version}`);
  const headerLength = bytes.readUInt32BE(1);
  if (headerLength > MAX_FETCH_HEADER_BYTES)
    throw new FetchCodecError(`fetch header of ${headerLength} bytes exceeds ${MAX_FETCH_HEADER_BYTES}`);
  if (headerLength > bytes.length - PREFIX_BYTES) {
    throw new FetchCodecError(`fetch header of ${headerLength} bytes but ${bytes.length - PREFIX_BYTES} left`);
  }
  let header: unknown;
  try {
    header = JSON.parse(bytes.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerLength));
  } catch {
    throw new FetchCodecError('fetch header is not JSON');
  }
  return { header, rest: bytes.subarray(PREFIX_BYTES + headerLength) };
}

/** Typed access to one decoded JSON object; every mismatch is a FetchCodecError naming the field. */
class FieldReader {
  private readonly object: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly where: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FetchCodecError(`${where} is not an object`);
    this.object = value as Record<string, unknown>;
  }

  int(name: string, min = Number.MIN_SAFE_INTEGER): number {
    const value = this.object[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new FetchCodecError(`${this.where}.${name}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  string(name: string): string {
    const value = this.object[name];
    if (typeof value !== 'string') throw new FetchCodecError(`${this.where}.${name}: expected a string`);
    return value;
  }

  array(name: string): unknown[] {
    const value = this.object[name];
    if (!Array.isArray(value)) throw new FetchCodecError(`${this.where}.${name}: expected an array`);
    return value;
  }

  optionalObject(name: string): FieldReader | undefined {
    const value = this.object[name];
    return value === undefined || value === null ? undefined : new FieldReader(value, `${this.where}.${name}`);
  }
}
