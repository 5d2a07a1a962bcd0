import { Readable } from 'node:stream';
import { Body, Controller, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../common/errors';
import { CurrentCaller, type Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { parsePartitionId } from '../topics/topics.controller';
import { RAW_JSON_BODY, RAW_RECORD_STREAM } from './body-parsers';
import { HttpAnswer, ProduceService } from './produce.service';
import { parseAcks } from './record-input';

/**
 * API.md "Produce" over HTTP: maps each route to one ProduceService call and sends its answer.
 * Response Content-Types: application/json (one report, or Confluent's stream of reports, one per
 * line); application/x-ndjson when the client sent or accepts NDJSON (see record-stream.ts);
 * records:batch and batches → application/json.
 */
@Controller('v3/clusters')
export class ProduceController {
  constructor(
    private readonly produce: ProduceService,
    private readonly topics: TopicsService,
  ) {}

  @Post(':cid/topics/:topic/records')
  @RouteConfig({ [RAW_RECORD_STREAM]: true })
  async records(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Query('acks') acks: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    const acceptsNdjson = accept !== undefined && NDJSON_MEDIA_TYPE.test(accept);
    const sendsNdjson = contentType !== undefined && NDJSON_MEDIA_TYPE.test(contentType);
    const answer = await this.produce.produceRecords(caller, topic, asReadable(req.body), parseAcks(acks), {
      forceStream: acceptsNdjson,
      lines: sendsNdjson,
      ndjson: acceptsNdjson || sendsNdjson,
      contentLength: contentLength === undefined || req.headers['transfer-encoding'] !== undefined ? undefined : Number(contentLength),
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
    });
    send(reply, answer);
  }

  /** The body comes unread (RAW_JSON_BODY): JSON-typed data is stored as its exact text. */
  @Post(':cid/topics/:topic/records::batch')
  @RouteConfig({ [RAW_JSON_BODY]: true })
  async recordsBatch(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Query('acks') acks: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    send(reply, await this.produce.produceBatch(caller, topic, asReadable(req.body), parseAcks(acks), parseIdempotencyKey(idempotencyKey)));
  }

  @Post(':cid/topics/:topic/partitions/:p/batches')
  async batches(
    @Param('cid') cid: string,
    @Param('topic') topic: string,
    @Param('p') p: string,
    @Query('acks') acks: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    const answer = await this.produce.appendBatches(
      caller,
      topic,
      parsePartitionId(p),
      body,
      parseAcks(acks),
      parseIdempotencyKey(idempotencyKey),
    );
    send(reply, answer);
  }
}

const NDJSON_MEDIA_TYPE = /application\/(x-ndjson|jsonl)/i;

function send(reply: FastifyReply, answer: HttpAnswer): void {
  if (answer.replayed) void reply.header('idempotent-replayed', 'true');
  void reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
}

/** The /records route gets the unread request stream (body-parsers.ts); anything else is wrapped. */
function asReadable(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body === undefined || body === null) return Readable.from([]);
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  if (typeof body === 'string') return Readable.from([Buffer.from(body)]);
  return Readable.from([Buffer.from(JSON.stringify(body))]);
}

function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(raw)) throw badRequest('Idempotency-Key must be 1-255 visible ASCII characters');
  return raw;
}
