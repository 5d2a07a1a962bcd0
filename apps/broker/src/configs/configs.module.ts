import { Module } from '@nestjs/common';
import { TopicsModule } from '../topics/topics.module';
import { ConfigsController } from './configs.controller';
import { ConfigsService } from './configs.service';

@Module({ imports: [TopicsModule], controllers: [ConfigsController], providers: [ConfigsService], exports: [ConfigsService] })
export class ConfigsModule {}
