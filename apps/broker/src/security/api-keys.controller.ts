import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { TopicsService } from '../topics/topics.service';
import { ApiKeysService, ApiKeyView, NewApiKeyView } from './api-keys.service';
import { Caller, CurrentCaller } from './caller';

/** API.md "Security admin" API keys: `/v3/clusters/{cid}/users/{name}/api-keys[/{key_id}]`; the secret is shown once, at creation. */
@Controller('v3/clusters')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly topics: TopicsService,
  ) {}

  @Post(':cid/users/:name/api-keys')
  @HttpCode(201)
  create(
    @Param('cid') cid: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<NewApiKeyView> {
    this.topics.checkCluster(cid);
    return this.keys.create(caller, name, body);
  }

  @Get(':cid/users/:name/api-keys')
  async list(
    @Param('cid') cid: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ kind: string; data: ApiKeyView[] }> {
    this.topics.checkCluster(cid);
    return { kind: 'RunnelApiKeyList', data: await this.keys.list(caller, name) };
  }

  @Delete(':cid/users/:name/api-keys/:keyId')
  @HttpCode(204)
  async delete(
    @Param('cid') cid: string,
    @Param('name') name: string,
    @Param('keyId') keyId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    this.topics.checkCluster(cid);
    await this.keys.delete(caller, name, keyId);
  }
}
