import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { notCoordinator } from '../groups/coordinator-location';
import { ForwardToCoordinatorFilter } from '../groups/group-forward';
import { GroupsService } from '../groups/groups.service';
import { CurrentCaller, type Caller } from '../security/caller';
import { baseUrl } from '../topics/topics.controller';
import { readGetBody } from './consumer-requests';
import { ConsumersService } from './consumers.service';

/** The media type of the API's JSON answers (Confluent REST v2, Strimzi bridge). */
export const KAFKA_V2_JSON = 'application/vnd.kafka.v2+json';

/**
 * Stateful HTTP consumers (Confluent REST Proxy v2 / Strimzi Kafka Bridge paths): instances that
 * are members of the same consumer groups as WebSocket members. Each route maps to one service call.
 */
@ApiTags('consumers')
@Controller('consumers/:group')
export class ConsumersController {
  constructor(
    private readonly consumers: ConsumersService,
    private readonly groups: GroupsService,
  ) {}

  /**
   * An instance lives on its group's coordinator: created on another broker, the request is
   * forwarded there (ForwardToCoordinatorFilter), and `base_uri` names the coordinator's
   * advertised URL, which the client then calls directly.
   */
  @Post()
  @HttpCode(200)
  @UseFilters(ForwardToCoordinatorFilter)
  @ApiOperation({ summary: 'Create a consumer instance in the group: {"instance_id","base_uri"}' })
  create(
    @Param('group') group: string,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    const coordinator = this.groups.coordinatorOf(group);
    if (!coordinator?.local) {
      const where = coordinator ? `broker ${coordinator.brokerId} is` : 'no broker is known yet';
      throw notCoordinator(group, `this broker is not its coordinator; ${where}`, coordinator);
    }
    void reply.header('content-type', KAFKA_V2_JSON);
    // Forwarded from another broker: the client's address is the caller's, not the replay's.
    const clientHost = req.forwarded ? caller.host : (req.socket.remoteAddress ?? '');
    return this.consumers.create(caller, group, body, baseUrl(req), clientHost);
  }

  @Delete('instances/:name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the instance: it commits (auto-commit) and leaves the group' })
  delete(@Param('group') group: string, @Param('name') name: string, @CurrentCaller() caller: Caller): void {
    this.consumers.delete(caller, group, name);
  }

  @Post('instances/:name/subscription')
  @HttpCode(204)
  @ApiOperation({ summary: 'Subscribe to {"topics"} or {"topic_pattern"} (joins the group)' })
  subscribe(@Param('group') group: string, @Param('name') name: string, @Body() body: unknown, @CurrentCaller() caller: Caller): void {
    this.consumers.subscribe(caller, group, name, body);
  }

  @Get('instances/:name/subscription')
  @ApiOperation({ summary: 'The subscribed topics: {"topics"}' })
  subscription(
    @Param('group') group: string,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    void reply.header('content-type', KAFKA_V2_JSON);
    return this.consumers.subscription(caller, group, name);
  }

  @Delete('instances/:name/subscription')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unsubscribe (leaves the group)' })
  unsubscribe(@Param('group') group: string, @Param('name') name: string, @CurrentCaller() caller: Caller): void {
    this.consumers.unsubscribe(caller, group, name);
  }

  @Post('instances/:name/assignments')
  @HttpCode(204)
  @ApiOperation({ summary: 'Assign {"partitions"} manually (no group membership)' })
  assign(@Param('group') group: string, @Param('name') name: string, @Body() body: unknown, @CurrentCaller() caller: Caller): void {
    this.consumers.assign(caller, group, name, body);
  }

  @Get('instances/:name/assignments')
  @ApiOperation({ summary: 'The partitions the instance owns now: {"partitions"}' })
  assignments(
    @Param('group') group: string,
    @Param('name') name: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    void reply.header('content-type', KAFKA_V2_JSON);
    return this.consumers.assignments(caller, group, name);
  }

  @Post('instances/:name/positions')
  @HttpCode(204)
  @ApiOperation({ summary: 'Seek owned partitions to {"offsets"}' })
  seek(@Param('group') group: string, @Param('name') name: string, @Body() body: unknown, @CurrentCaller() caller: Caller): void {
    this.consumers.seek(caller, group, name, body);
  }

  @Post('instances/:name/positions/beginning')
  @HttpCode(204)
  @ApiOperation({ summary: 'Seek owned {"partitions"} to their log start' })
  seekToBeginning(
    @Param('group') group: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): void {
    this.consumers.seekToBeginning(caller, group, name, body);
  }

  @Post('instances/:name/positions/end')
  @HttpCode(204)
  @ApiOperation({ summary: 'Seek owned {"partitions"} to their end (the high watermark)' })
  seekToEnd(@Param('group') group: string, @Param('name') name: string, @Body() body: unknown, @CurrentCaller() caller: Caller): void {
    this.consumers.seekToEnd(caller, group, name, body);
  }

  @Get('instances/:name/records')
  @ApiOperation({ summary: 'Poll records of the owned partitions (long poll)' })
  @ApiQuery({ name: 'timeout', required: false, description: 'Longest wait in ms; default consumer.request.timeout.ms' })
  @ApiQuery({ name: 'max_bytes', required: false, description: 'Stored bytes to return at most (capped by the broker)' })
  @ApiHeader({ name: 'Accept', required: false, description: 'application/vnd.kafka.binary.v2+json or .json.v2+json: the instance format' })
  async records(
    @Param('group') group: string,
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<string> {
    const polled = await this.consumers.poll(caller, group, name, query, accept, clientGone(reply));
    void reply.header('content-type', polled.contentType);
    return polled.text;
  }

  @Post('instances/:name/offsets')
  @HttpCode(204)
  @ApiOperation({ summary: 'Commit {"offsets"}; an empty body commits everything polled so far' })
  commit(
    @Param('group') group: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    return this.consumers.commit(caller, group, name, body);
  }

  @Get('instances/:name/offsets')
  @ApiOperation({ summary: 'Committed offsets of {"partitions"} in the body, default the owned ones: {"offsets"}' })
  async committed(
    @Param('group') group: string,
    @Param('name') name: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ) {
    void reply.header('content-type', KAFKA_V2_JSON);
    return this.consumers.committed(caller, group, name, await readGetBody(req.raw));
  }
}

/** Aborted when the client goes away before the answer is written (ends a waiting poll). */
function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
