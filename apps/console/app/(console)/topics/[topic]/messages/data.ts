import 'server-only';
import { broker } from '@/lib/broker';
import { toRow, type BrokerRecord, type Row } from './record-data';
import { mergeBackward, mergeForward, type Window } from './merge';

/**
 * Reads of the messages page. The URL holds the position so every page is linkable:
 * `p` (a partition or `all`), `seek` (newest | oldest | offset | timestamp) with `offset` / `ts`
 * (epoch ms), `limit`, and for paging `from` (read forward from `p:o,p:o`) or `before` (read
 * backward, newest first, below `p:o,...`). With all partitions the records of each partition's
 * window are merged by timestamp. Every page is bounded: `limit` records, MAX_PAGE_BYTES of
 * stored bytes asked of the broker, and previews only (record-data.ts) sent to the browser.
 */
export const PAGE_SIZES = [20, 50, 100, 200];
export const DEFAULT_LIMIT = 50;
/** Stored bytes one page asks the broker for, shared by its partitions (each gets at least 64 KiB). */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** Partitions read at once. */
const FANOUT = 8;
/** "All partitions" reads at most this many; beyond, the page asks for one partition. */
export const MAX_MERGED_PARTITIONS = 128;

export interface PartitionInfo {
  partition_id: number;
  earliest_offset: number;
  high_watermark: number;
}

export interface MessagesQuery {
  p: 'all' | number;
  seek: 'newest' | 'oldest' | 'offset' | 'timestamp';
  offset?: number;
  ts?: number;
  limit: number;
  from?: Map<number, number>;
  before?: Map<number, number>;
}

export interface MessagesPage {
  rows: Row[];
  direction: 'forward' | 'backward';
  partitions: PartitionInfo[];
  /** Positions for the "Newer" link (`from=`) and "Older" link (`before=`), null when there is nothing. */
  newer: string | null;
  older: string | null;
  /** Partitions left out of "all" (more than MAX_MERGED_PARTITIONS). */
  omitted: number;
  timestampType: string | undefined;
}

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

function nonNegative(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function positions(text: string | undefined): Map<number, number> | undefined {
  if (!text) return undefined;
  const out = new Map<number, number>();
  for (const part of text.split(',').slice(0, 10_000)) {
    const [p, o] = part.split(':');
    const partition = nonNegative(p);
    const offset = nonNegative(o);
    if (partition !== undefined && offset !== undefined) out.set(partition, offset);
  }
  return out.size > 0 ? out : undefined;
}

export function positionsText(map: Map<number, number>): string {
  return [...map.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([p, o]) => `${p}:${o}`)
    .join(',');
}

export function parseMessagesQuery(params: SearchParams): MessagesQuery {
  const p = one(params, 'p');
  const seek = one(params, 'seek');
  const limit = nonNegative(one(params, 'limit'));
  return {
    p: p === undefined || p === 'all' || nonNegative(p) === undefined ? 'all' : nonNegative(p)!,
    seek: seek === 'oldest' || seek === 'offset' || seek === 'timestamp' ? seek : 'newest',
    offset: nonNegative(one(params, 'offset')),
    ts: nonNegative(one(params, 'ts')),
    limit: limit !== undefined && PAGE_SIZES.includes(limit) ? limit : DEFAULT_LIMIT,
    from: positions(one(params, 'from')),
    before: positions(one(params, 'before')),
  };
}

const topicPath = (topic: string) => `/v3/clusters/-/topics/${encodeURIComponent(topic)}`;

async function inParallel<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(FANOUT, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}

interface ReadAnswer {
  data: BrokerRecord[];
  next_offset: number;
  high_watermark: number;
}

/** Up to `count` records of one partition from `offset`, as previews (the broker may stop early at max_bytes). */
async function read(
  topic: string,
  partition: number,
  offset: number,
  count: number,
  maxBytes: number,
): Promise<{ rows: Row[]; next: number }> {
  const answer = await broker.get<ReadAnswer>(`${topicPath(topic)}/partitions/${partition}/records`, {
    offset,
    max_records: count,
    max_bytes: maxBytes,
    format: 'binary',
  });
  return { rows: answer.data.map((r) => toRow(r)), next: answer.next_offset };
}

export async function topicTimestampType(topic: string): Promise<string | undefined> {
  try {
    const configs = await broker.get<{ data: { name: string; value: string | null }[] }>(`${topicPath(topic)}/configs`);
    return configs.data.find((c) => c.name === 'message.timestamp.type')?.value ?? undefined;
  } catch {
    return undefined;
  }
}

export async function loadPartitions(topic: string): Promise<PartitionInfo[]> {
  const answer = await broker.get<{ data: PartitionInfo[] }>(`${topicPath(topic)}/partitions`);
  return answer.data.sort((a, b) => a.partition_id - b.partition_id);
}

export async function loadMessages(topic: string, query: MessagesQuery): Promise<MessagesPage> {
  const [all, timestampType] = await Promise.all([loadPartitions(topic), topicTimestampType(topic)]);
  let chosen = query.p === 'all' ? all : all.filter((p) => p.partition_id === query.p);
  const omitted = Math.max(0, chosen.length - MAX_MERGED_PARTITIONS);
  chosen = chosen.slice(0, MAX_MERGED_PARTITIONS);
  const clamp = (p: PartitionInfo, offset: number) => Math.min(Math.max(offset, p.earliest_offset), p.high_watermark);
  const maxBytes = Math.max(64 * 1024, Math.floor(MAX_PAGE_BYTES / Math.max(1, chosen.length)));

  let direction: 'forward' | 'backward' = 'forward';
  let starts: Map<number, number>;
  if (query.from) {
    chosen = chosen.filter((p) => query.from!.has(p.partition_id));
    starts = new Map(chosen.map((p) => [p.partition_id, clamp(p, query.from!.get(p.partition_id)!)]));
  } else if (query.before) {
    chosen = chosen.filter((p) => query.before!.has(p.partition_id));
    direction = 'backward';
    starts = new Map(chosen.map((p) => [p.partition_id, clamp(p, query.before!.get(p.partition_id)!)]));
  } else if (query.seek === 'oldest') {
    starts = new Map(chosen.map((p) => [p.partition_id, p.earliest_offset]));
  } else if (query.seek === 'offset') {
    starts = new Map(chosen.map((p) => [p.partition_id, clamp(p, query.offset ?? 0)]));
  } else if (query.seek === 'timestamp') {
    const found = await inParallel(chosen, (p) =>
      broker.get<{ offset: number }>(`${topicPath(topic)}/partitions/${p.partition_id}/offsets`, { at: query.ts ?? 0 }),
    );
    starts = new Map(chosen.map((p, i) => [p.partition_id, clamp(p, found[i].offset)]));
  } else {
    direction = 'backward';
    starts = new Map(chosen.map((p) => [p.partition_id, p.high_watermark]));
  }

  let windows: Window[];
  if (direction === 'forward') {
    windows = await inParallel(chosen, async (p) => {
      const start = starts.get(p.partition_id)!;
      if (start >= p.high_watermark)
        return { partition: p.partition_id, rows: [], start, end: start, more: false, hasOlder: start > p.earliest_offset };
      const got = await read(topic, p.partition_id, start, query.limit, maxBytes);
      return {
        partition: p.partition_id,
        rows: got.rows,
        start,
        end: got.next,
        more: got.next < p.high_watermark,
        hasOlder: start > p.earliest_offset,
      };
    });
  } else {
    windows = await inParallel(chosen, async (p) => {
      const end = starts.get(p.partition_id)!;
      const start = Math.max(p.earliest_offset, end - query.limit);
      let rows: Row[] = [];
      let at = start;
      // A read may stop at max_bytes before `end`: read on, keeping the newest `limit` (previews only).
      while (at < end) {
        const got = await read(topic, p.partition_id, at, end - at, maxBytes);
        for (const row of got.rows) if (row.offset < end) rows.push(row);
        if (got.next <= at) break;
        at = got.next;
      }
      if (rows.length > query.limit) rows = rows.slice(rows.length - query.limit);
      return { partition: p.partition_id, rows, start, end, more: end < p.high_watermark, hasOlder: start > p.earliest_offset };
    });
  }

  const merged = direction === 'forward' ? mergeForward(windows, query.limit) : mergeBackward(windows, query.limit);
  return {
    rows: merged.rows,
    direction,
    partitions: all,
    newer: merged.newer ? positionsText(merged.newer) : null,
    older: merged.older ? positionsText(merged.older) : null,
    omitted,
    timestampType,
  };
}
