import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { LogClosedError, OffsetOutOfRangeError } from '@runnel/log';
import { asOffset } from '@runnel/protocol';
import type { PartitionHandle, PartitionReadResult } from '@runnel/replication';
import { ReadFormat, parseReadFormat } from '../common/encodings';
import { CorruptRecordBatchError, corruptBatchAnswer } from '../common/corrupt-batch';
import { unknownPartition } from '../common/errors';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { jsonRecordText, renderRecords } from '../common/record-render';
import { MetricsService } from '../metrics/metrics.service';
import { AccessControl, notAuthorized } from '../security/access-control.service';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { OutboundBudget, OutboundConnection } from '../ws/outbound-budget';
import { OUTBOUND_BUDGET } from '../ws/outbound.module';
import { Query, parsePartitionList, queryString } from './consume-params';
import { CursorWriter } from './cursor';
import { FetchService, outOfRange } from './fetch.service';
import { resolveStart } from './start-position';

/**
 * Server-sent events of one topic (all or named partitions) as `text/event-stream`: one event per
 * record, `id:` = the cursor of every partition right after that record, `data:` = the API.md JSON
 * record. Contract:
 * - Position: `Last-Event-ID` (a reconnect) wins over `from=earliest|latest|<cursor>` (default
 *   latest, as Kafka's auto.offset.reset), resolved by start-position.ts as for a WebSocket
 *   subscription (a cursor from either transport works on both). Every start offset is
 *   range-checked before the stream opens (416 as JSON).
 * - Delivery parks on the partitions' high-watermark notification; an idle stream sends a
 *   `: keepalive` comment every HEARTBEAT_MS. No timer polls the log.
 * - Memory per stream is one chunk (CHUNK_BYTES of batches, CHUNK_RECORDS records): the next
 *   chunk is not read until the socket has drained the previous one, nor while the broker-wide
 *   OutboundBudget is spent. A client that reads nothing for the slow-consumer timeout (or
 *   lags most when the budget is spent) gets `event: error` 50003 "slow consumer: …" and the
 *   stream ends (the socket is destroyed if it does not read up to that either).
 * - Authorization: opening needs READ on the topic (checked before the topic is looked up, so
 *   40301 whether it exists or not). After every ACL change the stream checks again: a revoked
 *   READ ends it with `event: error` 40301 (AccessControl tells its listeners within the change).
 * - Client disconnect or broker shutdown stops the loop and drops every listener. An error after
 *   the stream started goes out as `event: error` with the API.md error body, then the stream ends.
 */
export const HEARTBEAT_MS = 15_000;
const CHUNK_BYTES = 256 * 1024;
const CHUNK_RECORDS = 500;
/** Partitions one stream reads (and its cursors hold), as a WebSocket subscription. */
const MAX_STREAM_PARTITIONS = 10_000;

export interface EventStream {
  /** Who opened it: READ on the topic is checked again after every ACL change. */
  caller: Caller;
  topic: string;
  partitionIds: number[];
  partitions: PartitionHandle[];
  /** Next offset to deliver, per stream partition (same index as partitionIds). */
  positions: number[];
  format: ReadFormat;
}

@Injectable()
export class EventStreamService {
  private readonly errors = new HttpExceptionFilter();
  private readonly logger = new Logger('EventStream');

  constructor(
    private readonly topics: TopicsService,
    private readonly fetch: FetchService,
    private readonly metrics: MetricsService,
    private readonly access: AccessControl,
    @Optional() @Inject(OUTBOUND_BUDGET) private readonly outbound?: OutboundBudget,
  ) {}

  /** Resolves the partitions and start positions (the broker's one resolver); throws the API.md error before anything is sent. */
  async open(caller: Caller, topic: string, query: Query, lastEventId: string | undefined): Promise<EventStream> {
    this.topics.authorize(caller, 'READ', topic);
    const format = parseReadFormat(queryString(query, 'format'));
    const from = lastEventId || queryString(query, 'from') || 'latest';
    const start = await resolveStart(
      { partitionCount: (name) => this.topics.get(name).partitionsCount, partition: (name, id) => this.topics.partition(name, id) },
      topic,
      parsePartitionList(query),
      from === 'earliest' || from === 'latest' ? { kind: from } : { kind: 'cursor', cursor: from },
      MAX_STREAM_PARTITIONS,
    );
    return {
      caller,
      topic,
      partitionIds: start.map((s) => s.state.partition),
      partitions: start.map((s) => s.state),
      positions: start.map((s) => s.offset),
      format,
    };
  }

  /** Streams until the client leaves or the broker stops; never throws (errors become an event). */
  run(stream: EventStream, req: IncomingMessage, res: ServerResponse): void {
    const closed = new AbortController();
    const slow = new AbortController();
    const revoked = new AbortController();
    const signal = AbortSignal.any([closed.signal, slow.signal, revoked.signal, this.fetch.shutdownSignal]);
    const stopWatching = this.access.onChange(() => {
      if (!this.access.allows(stream.caller, 'READ', 'TOPIC', stream.topic)) revoked.abort();
    });
    let wake: (() => void) | undefined;
    const connection = this.outbound?.register({
      get unsentBytes() {
        return res.writableLength;
      },
      closeSlow: (reason) => {
        this.logger.warn(`ending event stream of '${stream.topic}': ${reason}`);
        slow.abort(reason);
      },
      wake: () => wake?.(),
    });
    const out: Outbound = { res, connection, signal, setWake: (w) => (wake = w) };
    res.once('close', () => {
      stopWatching();
      connection?.release();
      closed.abort();
    });
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // proxies (nginx) must not buffer the stream
    });
    res.write(': stream open\n\n');
    this.pump(stream, out)
      .catch((error: unknown) => {
        if (signal.aborted) return;
        const { body } = this.errors.toResponse(error);
        res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
      })
      .finally(() => {
        stopWatching();
        if (revoked.signal.aborted && !closed.signal.aborted) {
          const denied = notAuthorized(stream.caller, 'READ', 'TOPIC', stream.topic);
          res.end(`event: error\ndata: ${JSON.stringify(this.errors.toResponse(denied).body)}\n\n`);
          return;
        }
        if (slow.signal.aborted && !closed.signal.aborted) {
          res.write(`event: error\ndata: ${JSON.stringify({ error_code: 50003, message: String(slow.signal.reason) })}\n\n`);
          res.end();
          // The error event queues behind what the client has not read: a short grace to read it.
          setTimeout(() => res.destroy(), this.outbound?.closeGraceMs ?? 0).unref();
          return;
        }
        if (!res.writableEnded) res.end();
      });
  }

  private async pump(stream: EventStream, out: Outbound): Promise<void> {
    const { signal } = out;
    let advanced = false;
    let wake: (() => void) | undefined;
    const onAdvance = (): void => {
      advanced = true;
      wake?.();
    };
    const unsubscribe = stream.partitions.map((p) => p.onHighWatermark(onAdvance));
    const cursor = new CursorWriter(stream.topic, stream.partitionIds, stream.positions);
    try {
      while (!signal.aborted) {
        advanced = false;
        let behind = false;
        // Round-robin, one chunk per partition per pass, so a busy partition cannot starve others.
        for (let i = 0; i < stream.partitions.length && !signal.aborted; i++) {
          if (stream.positions[i] >= stream.partitions[i].highWatermark) continue;
          const text = await this.readChunk(stream, i, cursor);
          if (signal.aborted) return;
          if (text.length > 0) await write(out, text);
          if (stream.positions[i] < stream.partitions[i].highWatermark) behind = true;
        }
        // A closed partition (topic deleted) woke us: end the stream now rather than at the heartbeat.
        if (stream.partitions.some((p) => p.isClosed)) this.checkStillServed(stream);
        if (behind || advanced || signal.aborted) continue;
        const heartbeat = await park(signal, (resume) => (wake = resume));
        wake = undefined;
        if (heartbeat && !signal.aborted) {
          this.checkStillServed(stream);
          await write(out, ': keepalive\n\n');
        }
      }
    } finally {
      for (const off of unsubscribe) off();
    }
  }

  /** Reads and renders one chunk of partition `i` as events; advances its position. */
  private async readChunk(stream: EventStream, i: number, cursor: CursorWriter): Promise<string> {
    const partition = stream.partitions[i];
    const offset = stream.positions[i];
    let read: PartitionReadResult;
    try {
      read = await partition.read(asOffset(offset), CHUNK_BYTES);
    } catch (error) {
      // Retention overtook a slow stream, or the topic was deleted under it.
      if (error instanceof OffsetOutOfRangeError) throw outOfRange(partition, offset);
      if (error instanceof LogClosedError) throw unknownPartition(stream.topic, stream.partitionIds[i]);
      throw error;
    }
    if (read.bytes.length === 0) {
      stream.positions[i] = read.nextOffset;
      return '';
    }
    const { records, nextOffset } = await renderRecords(read.bytes, {
      partition: stream.partitionIds[i],
      fromOffset: offset,
      maxRecords: CHUNK_RECORDS,
      format: stream.format,
      readNextOffset: read.nextOffset,
    }).catch((error: unknown) => {
      // Records before a corrupt batch were sent; reaching it ends the stream with its error.
      throw error instanceof CorruptRecordBatchError ? corruptBatchAnswer(stream.topic, stream.partitionIds[i], error) : error;
    });
    cursor.begin(i);
    let text = '';
    for (const record of records) text += `id: ${cursor.at(record.offset + 1)}\ndata: ${jsonRecordText(record)}\n\n`;
    stream.positions[i] = nextOffset;
    this.metrics.fetched(stream.topic, records.length, read.bytes.length);
    return text;
  }

  /** A deleted (or deleted and re-created) topic no longer notifies this stream: end it. */
  private checkStillServed(stream: EventStream): void {
    stream.partitionIds.forEach((id, i) => {
      if (this.topics.partition(stream.topic, id) !== stream.partitions[i]) throw unknownPartition(stream.topic, id);
    });
  }
}

/** Waits for `resume` (a HW advance), the heartbeat interval or abort; true when it was the heartbeat. */
function park(signal: AbortSignal, register: (resume: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (heartbeat: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(heartbeat);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(true), HEARTBEAT_MS);
    signal.addEventListener('abort', onAbort, { once: true });
    register(() => finish(false));
  });
}

/** One stream's way out: the response, its share of the outbound budget, and how the budget wakes it. */
interface Outbound {
  res: ServerResponse;
  connection: OutboundConnection | undefined;
  signal: AbortSignal;
  setWake(wake: (() => void) | undefined): void;
}

/** Writes, then waits until the socket has drained and the outbound budget has room (or the stream ended). */
async function write(out: Outbound, text: string): Promise<void> {
  const flushed = out.res.write(text);
  out.connection?.queued(Buffer.byteLength(text));
  if (flushed && (out.connection?.mayWrite() ?? true)) return;
  while (!out.signal.aborted) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        out.res.off('drain', done);
        out.signal.removeEventListener('abort', done);
        out.setWake(undefined);
        resolve();
      };
      out.res.once('drain', done);
      out.signal.addEventListener('abort', done, { once: true });
      out.setWake(done);
    });
    if (!out.res.writableNeedDrain && (out.connection?.mayWrite() ?? true)) return;
  }
}
