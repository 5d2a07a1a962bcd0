import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Serves the checked-in API reference, `docs/openapi.json` (OpenAPI 3.1, request and response
 * schemas of every route), at GET /docs-json. The document is written by hand next to the code
 * and kept true by tests (apps/broker/test/docs/): its paths are compared with the routes the
 * broker registers, and real answers are validated against its schemas. Read once at start.
 * No bundled UI: any OpenAPI viewer can load the JSON.
 */
export const OPENAPI_PATH = '/docs-json';
const DOCUMENT_FILE = path.join('docs', 'openapi.json');

export function configureOpenApi(app: NestFastifyApplication): void {
  const file = findDocument(__dirname);
  const fastify = app.getHttpAdapter().getInstance();
  if (file === undefined) {
    new Logger('OpenApi').warn(`${DOCUMENT_FILE} was not found above ${__dirname}: ${OPENAPI_PATH} answers 404`);
    fastify.get(OPENAPI_PATH, (_request, reply) =>
      reply.status(404).send({ error_code: 404, message: `${DOCUMENT_FILE} is not installed with this broker` }),
    );
    return;
  }
  const text = fs.readFileSync(file, 'utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    // A broken checked-in document is a bug: fail at start, naming the file, not at the first request.
    throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  fastify.get(OPENAPI_PATH, (_request, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(text));
}

/** The repository root holds docs/; the broker runs from apps/broker/src (source) or dist/apps/broker/src (build). */
export function findDocument(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DOCUMENT_FILE);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
