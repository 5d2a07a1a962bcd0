import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { TopicsService } from '../topics/topics.service';
import { Caller, CurrentCaller } from './caller';
import { UsersService, UserView } from './users.service';

/** API.md "Security admin" users: `/v3/clusters/{cid}/users[/{name}]`; passwords are never returned. */
@Controller('v3/clusters')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly topics: TopicsService,
  ) {}

  @Get(':cid/users')
  async list(@Param('cid') cid: string, @CurrentCaller() caller: Caller): Promise<{ kind: string; data: UserView[] }> {
    this.topics.checkCluster(cid);
    return { kind: 'RunnelUserList', data: await this.users.list(caller) };
  }

  @Post(':cid/users')
  @HttpCode(201)
  create(@Param('cid') cid: string, @Body() body: unknown, @CurrentCaller() caller: Caller): Promise<UserView> {
    this.topics.checkCluster(cid);
    return this.users.create(caller, body);
  }

  @Get(':cid/users/:name')
  get(@Param('cid') cid: string, @Param('name') name: string, @CurrentCaller() caller: Caller): Promise<UserView> {
    this.topics.checkCluster(cid);
    return this.users.get(caller, name);
  }

  @Put(':cid/users/:name')
  setPassword(
    @Param('cid') cid: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<UserView> {
    this.topics.checkCluster(cid);
    return this.users.setPassword(caller, name, body);
  }

  @Delete(':cid/users/:name')
  @HttpCode(204)
  async delete(@Param('cid') cid: string, @Param('name') name: string, @CurrentCaller() caller: Caller): Promise<void> {
    this.topics.checkCluster(cid);
    await this.users.delete(caller, name);
  }
}
