import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the OpenAPI document of every route at /docs-json. No bundled UI: it would need
 * @fastify/static, whose current major requires Node 22; any OpenAPI viewer can load the JSON.
 */
export function configureOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Runnel')
      .setDescription('HTTP + WebSocket gateway of the Runnel event-streaming broker. The contract is API.md (Confluent REST v3 conventions).')
      .setVersion('0.1')
      .build(),
  );
  app.getHttpAdapter().getInstance().get('/docs-json', (_request, reply) => reply.send(document));
}
