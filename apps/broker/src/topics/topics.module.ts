import { Module } from '@nestjs/common';
import { ClustersController } from './clusters.controller';
import { TopicsController } from './topics.controller';
import { TopicsService } from './topics.service';

@Module({ controllers: [ClustersController, TopicsController], providers: [TopicsService], exports: [TopicsService] })
export class TopicsModule {}
