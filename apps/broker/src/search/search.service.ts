import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { LogClosedError, OffsetOutOfRangeError } from '@runnel/log';
import { asOffset, scanRecordBatches, type RecordView } from '@runnel/protocol';
import { Partition, type PartitionHandle } from '@runnel/replication';
import { CursorError, Matcher, decodeCursor, encodeCursor, filterHash } from '@runnel/search';
import { BatchCheckpoints, CorruptRecordBatchError, corruptBatchAnswer } from '../common/corrupt-batch';
import { badRequest, unknownPartition } from '../common/errors';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { MAX_RENDER_DECOMPRESSED_BYTES } from '../common/record-render';
import { Query } from '../consume/consume-params';
import { FetchService, outOfRange } from '../consume/fetch.service';
import type { Caller } from '../security/caller';
import { QuotaService } from '../security/quota.service';
import { TopicsService } from '../topics/topics.service';
import { matchLine } from './match-render';
import { PartitionRange, estimateBytes, resolveRange } from './search-range';
import { SearchReader, SearchSlot, pause } from './search-reader';
import { EstimateRequest, SearchRequest, parseEstimateQuery, parseSearchBody } from './search-requests';

/**
 * Broker-side search (contracts §4): a filter (libs/search) evaluated in the broker over a
 * range of a topic's partitions, answered as NDJSON while it scans. Contract:
 * - Everything a client can get wrong (filter, range, cursor, READ, the concurrency limit) is
 *   answered as a JSON error before the stream opens. Then lines: `estimate` first, `match` as
 *   found, `progress` at most every PROGRESS_INTERVAL_MS, and last `done` with the reason and
 *   a cursor (null at "end"); a failure after the stream opened is a last `error` line.
 * - The scan reads stored batches through Partition.read as the consume path does (whole
 *   batches from the one holding the offset, never past HW), round-robin one chunk per
 *   partition, each chunk paced by the shared SearchReader rate and the caller's consumer byte
 *   quota (scanned bytes count against consumer_byte_rate), yielding to the event loop between
 *   chunks. Budgets (time, bytes) are checked between chunks; max_matches stops on the record.
 * - The cursor holds every unfinished partition's next offset and its end, so a resumed search
 *   covers exactly the records the stopped one had not scanned, each once.
 * - The client closing the connection (or broker shutdown) stops the scan at the next chunk or
 *   wait, and frees the slot.
 * - Needs READ on the topic (checked first: 40301 whether the topic exists or not).
 */
export const PROGRESS_INTERVAL_MS = 250;
const SCAN_OPTIONS = { maxDecompressedBytes: MAX_RENDER_DECOMPRESSED_BYTES };

export interface RangeEstimate {
  partitions: { partition_id: number; start_offset: number; end_offset: number; records: number; bytes: number }[];
  records: number;
  bytes: number;
}

/** A validated search holding its slot, ready to stream. */
export interface PlannedSearch {
  caller: Caller;
  topic: string;
  request: SearchRequest;
  ranges: PartitionRange[];
  hash: string;
  slot: SearchSlot;
}

interface Counters {
  recordsScanned: number;
  bytesScanned: number;
  matches: number;
}

@Injectable()
export class SearchService {
  private readonly errors = new HttpExceptionFilter();

  constructor(
    private readonly topics: TopicsService,
    private readonly fetch: FetchService,
    private readonly reader: SearchReader,
    private readonly quotas: QuotaService,
  ) {}

  async estimate(caller: Caller, topic: string, query: Query): Promise<RangeEstimate> {
    this.topics.authorize(caller, 'READ', topic);
    const request = parseEstimateQuery(query);
    return estimateOf(await this.resolve(topic, request));
  }

  /** Validates the request and takes a slot; throws the API error (nothing is sent yet). */
  async plan(caller: Caller, topic: string, body: unknown): Promise<PlannedSearch> {
    this.topics.authorize(caller, 'READ', topic);
    const request = parseSearchBody(body);
    const hash = filterHash(request.filter);
    const ranges = request.cursor === undefined ? await this.resolve(topic, request) : this.resume(topic, request.cursor, hash);
    return { caller, topic, request, ranges, hash, slot: this.reader.acquire() };
  }

  /** Streams the search to `res`; never throws. The slot is freed when it ends. */
  run(search: PlannedSearch, req: IncomingMessage, res: ServerResponse): void {
    const closed = new AbortController();
    const signal = AbortSignal.any([closed.signal, this.fetch.shutdownSignal]);
    res.once('close', () => closed.abort());
    if (req.socket.destroyed) closed.abort(); // the client left while the search was being planned
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.scan(search, res, signal)
      .catch((error: unknown) => {
        if (signal.aborted) return;
        res.write(JSON.stringify({ type: 'error', ...this.errors.toResponse(error).body }) + '\n');
      })
      .finally(() => {
        search.slot.release();
        if (!res.writableEnded) res.end();
      });
  }

  private async scan(search: PlannedSearch, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const { request, ranges, caller } = search;
    const positions = ranges.map((r) => r.start);
    const estimate = estimateOf(ranges);
    const totalRecords = estimate.records;
    await write(res, { type: 'estimate', records: estimate.records, bytes: estimate.bytes, partitions: estimate.partitions }, signal);
    const matcher = new Matcher(request.filter);
    const counters: Counters = { recordsScanned: 0, bytesScanned: 0, matches: 0 };
    const startedAt = Date.now();
    let lastProgressAt = startedAt;
    let reason: 'end' | 'max_matches' | 'budget_time' | 'budget_bytes' | undefined;
    while (reason === undefined) {
      let active = 0;
      for (let i = 0; i < ranges.length && reason === undefined; i++) {
        if (positions[i] >= ranges[i].end) continue;
        active++;
        if (signal.aborted) return;
        if (Date.now() - startedAt >= request.maxMs) reason = 'budget_time';
        else if (counters.bytesScanned >= request.maxBytes) reason = 'budget_bytes';
        if (reason !== undefined) break;
        const lines: string[] = [];
        const chunkBytes = Math.min(search.slot.chunkBytes, request.maxBytes - counters.bytesScanned);
        const read = await this.readChunk(search, i, positions[i], chunkBytes, counters, matcher, lines);
        positions[i] = read.next;
        for (const line of lines) await writeText(res, line, signal);
        if (counters.matches >= request.maxMatches) reason = 'max_matches';
        await this.pace(search.slot, caller, read.bytes, signal, startedAt + request.maxMs);
        if (Date.now() - lastProgressAt >= PROGRESS_INTERVAL_MS) {
          lastProgressAt = Date.now();
          await write(res, progressLine(ranges, positions, counters, totalRecords), signal);
        }
      }
      if (reason === undefined && active === 0) reason = 'end';
    }
    if (signal.aborted) return;
    const left = ranges.flatMap((r, i) => (positions[i] < r.end ? [{ partition: r.id, next: positions[i], end: r.end }] : []));
    if (left.length === 0) reason = 'end';
    res.end(
      JSON.stringify({
        type: 'done',
        reason,
        cursor: left.length === 0 ? null : encodeCursor(search.topic, search.hash, left),
        records_scanned: counters.recordsScanned,
        bytes_scanned: counters.bytesScanned,
        matches: counters.matches,
      }) + '\n',
    );
  }

  /** Reads and tests one chunk of partition `i` from `offset`; match lines go to `lines`. */
  private async readChunk(
    search: PlannedSearch,
    i: number,
    offset: number,
    maxBytes: number,
    counters: Counters,
    matcher: Matcher,
    lines: string[],
  ): Promise<{ next: number; bytes: number }> {
    const range = search.ranges[i];
    const { request } = search;
    let read;
    try {
      read = await range.partition.read(asOffset(offset), maxBytes);
    } catch (error) {
      // Retention overtook the scan, or the topic was deleted under it.
      if (error instanceof OffsetOutOfRangeError) throw outOfRange(range.partition, offset);
      if (error instanceof LogClosedError) throw unknownPartition(search.topic, range.id);
      throw error;
    }
    counters.bytesScanned += read.bytes.length;
    if (read.bytes.length === 0) {
      // Everything up to HW was compacted away (or HW moved below the end): nothing more here.
      const next = Math.min(read.nextOffset, range.end);
      return { next: next > offset ? next : range.end, bytes: 0 };
    }
    let next = Math.min(read.nextOffset, range.end);
    const visit = (r: RecordView): boolean => {
      if (r.offset < offset) return true;
      if (r.offset >= range.end) {
        next = range.end;
        return false;
      }
      counters.recordsScanned++;
      if (!matcher.matches(r)) return true;
      counters.matches++;
      lines.push(matchLine(range.id, r, request.format));
      if (counters.matches < request.maxMatches) return true;
      next = r.offset + 1;
      return false;
    };
    const checkpoints = new BatchCheckpoints(offset);
    try {
      await scanRecordBatches(read.bytes, SCAN_OPTIONS, (r) => {
        checkpoints.enters(r);
        return visit(r);
      });
    } catch (error) {
      // A stored batch that does not decode ends the search with its error (common/corrupt-batch.ts).
      const stop = checkpoints.stopFor(error);
      throw corruptBatchAnswer(search.topic, range.id, new CorruptRecordBatchError(stop.offset, stop.reason));
    }
    // Nothing readable up to the end (a compacted tail): the partition is done.
    if (next <= offset) next = range.end;
    return { next, bytes: read.bytes.length };
  }

  /**
   * The shared search rate, then the caller's consumer byte quota, for `bytes` scanned; then a
   * turn of the event loop. Neither wait goes past the time budget's deadline (the search then
   * stops with budget_time rather than overrunning its budget; what it owes stays owed).
   */
  private async pace(slot: SearchSlot, caller: Caller, bytes: number, signal: AbortSignal, deadlineMs: number): Promise<void> {
    if (bytes > 0) {
      await slot.pace(bytes, signal, deadlineMs - Date.now());
      const throttleMs = this.quotas.recordConsume(caller, bytes);
      await pause(Math.min(throttleMs, deadlineMs - Date.now()), signal);
    }
    await yieldToEventLoop();
  }

  private async resolve(topic: string, request: EstimateRequest): Promise<PartitionRange[]> {
    const count = this.topics.get(topic).partitionsCount;
    const ids = request.partitions ?? Array.from({ length: count }, (_, i) => i);
    const ranges: PartitionRange[] = [];
    for (const id of ids) ranges.push(await resolveRange(this.topics.partition(topic, id), topic, request.from, request.to));
    return ranges;
  }

  /** The ranges a cursor left: each partition from its next offset to the end the first search resolved. */
  private resume(topic: string, cursor: string, hash: string): PartitionRange[] {
    let positions;
    try {
      positions = decodeCursor(cursor, topic, hash);
    } catch (error) {
      if (error instanceof CursorError) throw badRequest(error.message);
      throw error;
    }
    this.topics.get(topic);
    return positions.map((p) => {
      const partition = this.topics.partition(topic, p.partition);
      if (p.next < partition.logStartOffset || p.next > partition.highWatermark) throw outOfRange(partition, p.next);
      return { partition, id: p.partition, start: p.next, end: Math.min(p.end, partition.highWatermark) };
    });
  }
}

/** Bytes of [start, end): from the segment layout when the partition is local, else pro rata of its size (a remote leader's). */
function estimateBytesOf(partition: PartitionHandle, start: number, end: number): number {
  if (partition instanceof Partition) return estimateBytes(partition.log, start, end);
  const records = partition.logEndOffset - partition.logStartOffset;
  return records > 0 ? Math.round((partition.sizeBytes * Math.max(0, end - start)) / records) : 0;
}

function estimateOf(ranges: readonly PartitionRange[]): RangeEstimate {
  const partitions = ranges.map((r) => ({
    partition_id: r.id,
    start_offset: r.start,
    end_offset: r.end,
    records: r.end - r.start,
    bytes: estimateBytesOf(r.partition, r.start, r.end),
  }));
  return {
    partitions,
    records: partitions.reduce((sum, p) => sum + p.records, 0),
    bytes: partitions.reduce((sum, p) => sum + p.bytes, 0),
  };
}

function progressLine(ranges: readonly PartitionRange[], positions: readonly number[], counters: Counters, totalRecords: number) {
  let covered = 0;
  let done = 0;
  ranges.forEach((r, i) => {
    covered += Math.min(positions[i], r.end) - r.start;
    if (positions[i] >= r.end) done++;
  });
  return {
    type: 'progress',
    records_scanned: counters.recordsScanned,
    bytes_scanned: counters.bytesScanned,
    partitions_done: done,
    partitions_total: ranges.length,
    percent: totalRecords === 0 ? 100 : Math.floor((covered / totalRecords) * 1000) / 10,
  };
}

function write(res: ServerResponse, line: object, signal: AbortSignal): Promise<void> {
  return writeText(res, JSON.stringify(line) + '\n', signal);
}

/** Writes one line, then waits until the socket has drained (or the client left). */
async function writeText(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
