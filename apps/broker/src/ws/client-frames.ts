import type { Acks } from '@runnel/replication';
import { ReadFormat, parseReadFormat } from '../common/encodings';
import { badRequest } from '../common/errors';
import { WsLimits } from './ws-limits';

/**
 * The client → server frames of API.md "WebSocket", validated into typed values. Every problem
 * is a RunnelError (40001) naming the field; the session turns it into an error frame carrying
 * the frame's `sub` (or `ref`) so the client can tell which request failed.
 *
 *   {"type":"subscribe","sub","topic","partitions"?,"from"?,"credit"?,"format"?}
 *   {"type":"credit","sub","records":N}
 *   {"type":"unsubscribe","sub"}
 *   {"type":"produce","ref","topic","records":[...],"acks"?}
 * `group`/`auto_commit` and `commit` frames (consumer groups) are refused until groups exist.
 */
export type FromSpec =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number }
  | { kind: 'cursor'; cursor: string };

export interface SubscribeFrame {
  type: 'subscribe';
  sub: string;
  topic: string;
  partitions: number[] | undefined;
  from: FromSpec;
  credit: number;
  format: ReadFormat;
}
export interface CreditFrame {
  type: 'credit';
  sub: string;
  records: number;
}
export interface UnsubscribeFrame {
  type: 'unsubscribe';
  sub: string;
}
export type ProduceRef = string | number | null;
export interface ProduceFrame {
  type: 'produce';
  ref: ProduceRef;
  topic: string;
  records: unknown[];
  acks: Acks;
}
export type ClientFrame = SubscribeFrame | CreditFrame | UnsubscribeFrame | ProduceFrame;

/** The raw JSON object of a frame (so errors can echo its `sub` / `ref`). */
export type RawFrame = Record<string, unknown>;

export function parseJsonFrame(data: Buffer | string, isBinary: boolean): RawFrame {
  if (isBinary) throw badRequest('binary frames are not supported: send JSON text frames');
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    throw badRequest('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('frame must be a JSON object');
  return value as RawFrame;
}

export function validateFrame(raw: RawFrame, limits: WsLimits): ClientFrame {
  switch (raw.type) {
    case 'subscribe':
      return validateSubscribe(raw, limits);
    case 'credit':
      return { type: 'credit', sub: subName(raw, limits), records: positiveInteger('records', raw.records, limits.maxCredit) };
    case 'unsubscribe':
      return { type: 'unsubscribe', sub: subName(raw, limits) };
    case 'produce':
      return validateProduce(raw);
    case 'commit':
      throw badRequest('commit frames need consumer groups, which are not supported over WebSocket yet');
    default:
      throw badRequest(
        typeof raw.type === 'string'
          ? `unknown frame type '${raw.type.slice(0, 64)}' (expected subscribe, credit, unsubscribe or produce)`
          : 'frame needs a string "type"',
      );
  }
}

function validateSubscribe(raw: RawFrame, limits: WsLimits): SubscribeFrame {
  const sub = subName(raw, limits);
  if (raw.group !== undefined && raw.group !== null) {
    throw badRequest('subscribe.group: consumer groups are not supported over WebSocket yet; omit "group" to read partitions directly');
  }
  if (raw.auto_commit !== undefined) throw badRequest('subscribe.auto_commit needs "group", which is not supported yet');
  if (typeof raw.topic !== 'string' || raw.topic.length === 0) throw badRequest('subscribe.topic must be a topic name');
  return {
    type: 'subscribe',
    sub,
    topic: raw.topic,
    partitions: partitionList(raw.partitions, limits.maxPartitionsPerSubscription),
    from: fromSpec(raw.from),
    credit: raw.credit === undefined ? limits.defaultCredit : nonNegativeInteger('credit', raw.credit, limits.maxCredit),
    format: parseReadFormat(raw.format),
  };
}

function validateProduce(raw: RawFrame): ProduceFrame {
  const ref = raw.ref ?? null;
  if (ref !== null && typeof ref !== 'string' && typeof ref !== 'number') throw badRequest('produce.ref must be a string or a number');
  if (typeof raw.topic !== 'string' || raw.topic.length === 0) throw badRequest('produce.topic must be a topic name');
  if (!Array.isArray(raw.records) || raw.records.length === 0) throw badRequest('produce.records must be a non-empty array of records');
  return { type: 'produce', ref, topic: raw.topic, records: raw.records, acks: parseAcks(raw.acks) };
}

function parseAcks(input: unknown): Acks {
  if (input === undefined || input === null || input === 'all' || input === -1) return -1;
  if (input === 0 || input === 1) return input;
  throw badRequest('produce.acks must be 0, 1, -1 or "all"');
}

function subName(raw: RawFrame, limits: WsLimits): string {
  const sub = raw.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > limits.maxSubNameLength) {
    throw badRequest(`"sub" must be a string of 1 to ${limits.maxSubNameLength} characters`);
  }
  return sub;
}

function partitionList(input: unknown, max: number): number[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (!Array.isArray(input) || input.length === 0 || input.length > max) {
    throw badRequest(`subscribe.partitions must be a non-empty array of at most ${max} partition ids`);
  }
  const seen = new Set<number>();
  for (const p of input) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 0x7fffffff) {
      throw badRequest('subscribe.partitions must hold non-negative integer partition ids');
    }
    if (seen.has(p)) throw badRequest(`subscribe.partitions names partition ${p} twice`);
    seen.add(p);
  }
  return [...seen].sort((a, b) => a - b);
}

function fromSpec(input: unknown): FromSpec {
  if (input === undefined || input === null || input === 'latest') return { kind: 'latest' };
  if (input === 'earliest') return { kind: 'earliest' };
  if (typeof input === 'object' && !Array.isArray(input)) {
    const keys = Object.keys(input);
    const value = (input as Record<string, unknown>)[keys[0]];
    if (keys.length === 1 && keys[0] === 'offset') return { kind: 'offset', offset: offsetValue('from.offset', value) };
    if (keys.length === 1 && keys[0] === 'timestamp') return { kind: 'timestamp', timestamp: offsetValue('from.timestamp', value) };
    if (keys.length === 1 && keys[0] === 'cursor' && typeof value === 'string') return { kind: 'cursor', cursor: value };
  }
  throw badRequest('subscribe.from must be "earliest", "latest", {"offset": n}, {"timestamp": ms} or {"cursor": "..."}');
}

function offsetValue(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`${field} must be a non-negative integer below 2^53`);
  }
  return value;
}

function nonNegativeInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw badRequest(`${field} must be an integer from 0 to ${max}`);
  }
  return value;
}

function positiveInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw badRequest(`${field} must be an integer from 1 to ${max}`);
  }
  return value;
}
