import { Body, Controller, Headers, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentCaller, type Caller } from '../security/caller';
import { parsePartitionId } from '../topics/topic-names';
import { v2FormatOf } from './body-parsers';
import { BridgeProduceService, parseAsync } from './bridge-produce.service';
import type { HttpAnswer } from './http-answer';

/**
 * Produce as the Strimzi Kafka Bridge and Confluent REST Proxy v2 expose it (their shared
 * routes; see BridgeProduceService for the shapes). The embedded format is the Content-Type's.
 */
@Controller('topics')
export class BridgeProduceController {
  constructor(private readonly bridge: BridgeProduceService) {}

  @Post(':topic')
  async toTopic(
    @Param('topic') topic: string,
    @Query('async') async: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    send(reply, await this.bridge.produceRecords(caller, topic, undefined, body, v2FormatOf(contentType), parseAsync(async)));
  }

  @Post(':topic/partitions/:p')
  async toPartition(
    @Param('topic') topic: string,
    @Param('p') p: string,
    @Query('async') async: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    send(reply, await this.bridge.produceRecords(caller, topic, parsePartitionId(p), body, v2FormatOf(contentType), parseAsync(async)));
  }
}

function send(reply: FastifyReply, answer: HttpAnswer): void {
  if (answer.status === 204) void reply.status(204).send();
  else void reply.status(answer.status).header('content-type', answer.contentType).send(answer.body);
}
