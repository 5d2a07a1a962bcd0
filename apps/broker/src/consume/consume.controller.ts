import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseReadFormat } from '../common/encodings';
import { recordsAnswerText } from '../common/record-render';
import { CurrentCaller, type Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { parsePartitionId } from '../topics/topics.controller';
import { Query as QueryParams, parseFetchParams, parseOffsetSpec, queryString } from './consume-params';
import { EventStreamService } from './event-stream.service';
import { FetchService } from './fetch.service';

export const RECORD_BATCH_MEDIA_TYPE = 'application/vnd.kafka.record-batch';
/** Our addition for raw reads (the body has no room for them): where to continue, and the HW. */
export const NEXT_OFFSET_HEADER = 'X-Runnel-Next-Offset';
export const HIGH_WATERMARK_HEADER = 'X-Runnel-High-Watermark';

/** API.md "Consume (stateless)" and the server-sent event stream; each route maps to one service call. */
@ApiTags('consume')
@Controller('v3/clusters')
export class ConsumeController {
  constructor(
    private readonly topics: TopicsService,
    private readonly fetch: FetchService,
    private readonly eventStreams: EventStreamService,
  ) {}

  @Get(':cid/topics/:topic/partitions/:p/records')
  @ApiOperation({ summary: 'Stateless read of one partition (long poll with timeout_ms)' })
  @ApiQuery({ name: 'offset', required: false, description: 'First offset to read; default: the log start offset (earliest)' })
  @ApiQuery({ name: 'max_records', required: false, description: '1..10000, default 500 (JSON only)' })
  @ApiQuery({ name: 'max_bytes', required: false, description: 'Batch bytes to read, 1..67108864, default 1048576' })
  @ApiQuery({ name: 'timeout_ms', required: false, description: 'Wait at the high watermark, 0..60000, default 0' })
  @ApiQuery({ name: 'format', required: false, enum: ['binary', 'string', 'json'] })
  @ApiHeader({ name: 'Accept', required: false, description: `${RECORD_BATCH_MEDIA_TYPE} for the raw stored batches` })
  @ApiResponse({
    status: 200,
    description: `{"data":[...],"next_offset","high_watermark"}; raw batches (possibly empty) with ${RECORD_BATCH_MEDIA_TYPE}`,
    headers: {
      [NEXT_OFFSET_HEADER]: { description: 'Raw reads only: the offset to request next', schema: { type: 'integer' } },
      [HIGH_WATERMARK_HEADER]: { description: 'Raw reads only: the partition high watermark', schema: { type: 'integer' } },
    },
  })
  @ApiResponse({ status: 416, description: '{"error_code":416,"message","earliest_offset","high_watermark"}' })
  async records(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('p') p: string,
    @Query() query: QueryParams,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    this.topics.checkCluster(cid);
    const partition = parsePartitionId(p);
    const params = parseFetchParams(query);
    const format = parseReadFormat(queryString(query, 'format'));
    if (accept?.includes(RECORD_BATCH_MEDIA_TYPE)) {
      const raw = await this.fetch.rawBatches(caller, topic, partition, params, clientGone(reply));
      void reply
        .header('content-type', RECORD_BATCH_MEDIA_TYPE)
        .header(NEXT_OFFSET_HEADER, String(raw.nextOffset))
        .header(HIGH_WATERMARK_HEADER, String(raw.highWatermark));
      return raw.bytes;
    }
    const answer = await this.fetch.records(caller, topic, partition, params, format, clientGone(reply));
    void reply.header('content-type', 'application/json; charset=utf-8');
    return recordsAnswerText(answer); // JSON values as stored, never re-serialised (raw-json.ts)
  }

  @Get(':cid/topics/:topic/partitions/:p/offsets')
  @ApiOperation({ summary: 'Offset lookup: {"offset","timestamp"}; earliest/latest and no match answer timestamp -1' })
  @ApiQuery({ name: 'at', required: true, description: 'earliest | latest | epoch-millisecond timestamp' })
  offsets(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('p') p: string,
    @Query() query: QueryParams,
    @CurrentCaller() caller: Caller,
  ) {
    this.topics.checkCluster(cid);
    const partition = parsePartitionId(p);
    return this.fetch.offsetFor(caller, topic, partition, parseOffsetSpec(query));
  }

  /** Validates everything first (errors answer as JSON), then hands the raw response to the stream. */
  @Get(':cid/topics/:topic/events')
  @ApiOperation({ summary: 'Server-sent events (text/event-stream): one event per record, id = resumable cursor' })
  @ApiQuery({ name: 'from', required: false, description: 'earliest | latest (default) | a cursor (an event id)' })
  @ApiQuery({ name: 'partitions', required: false, description: 'Comma-separated partition ids; default all' })
  @ApiQuery({ name: 'format', required: false, enum: ['binary', 'string', 'json'] })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume right after this event (wins over from)' })
  async events(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Query() query: QueryParams,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    const stream = await this.eventStreams.open(caller, topic, query, lastEventId);
    reply.hijack();
    this.eventStreams.run(stream, req.raw, reply.raw);
  }
}

/** Aborted when the client goes away before the answer is written (ends a long poll early). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
