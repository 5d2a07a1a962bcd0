import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI document of every route at /docs (UI) and /docs-json (document). */
export function configureOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Runnel')
      .setDescription('HTTP + WebSocket gateway of the Runnel event-streaming broker. The contract is API.md (Confluent REST v3 conventions).')
      .setVersion('0.1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
