import * as fs from 'node:fs';
import * as path from 'node:path';

/** The checked-in API reference and the route keys both tests compare with it. */
export const OPENAPI_FILE = path.resolve(__dirname, '../../../../docs/openapi.json');

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { responses: Record<string, OpenApiResponse> };
}
export interface OpenApiOperation {
  responses: Record<string, OpenApiResponse | { $ref: string }>;
}
export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: unknown }>;
}

export function readOpenApi(): OpenApiDocument {
  return JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
}

/** `GET /v3/clusters/{}/topics`: the method and the path with every parameter name erased. */
export function specRouteKeys(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    HTTP_METHODS.filter((m) => item[m] !== undefined).map((m) => `${m.toUpperCase()} ${p.replace(/\{[^}]+\}/g, '{}')}`),
  );
}

/**
 * The same key for a Fastify route URL: `:name` is a parameter and `::` a literal colon
 * (`/records::batch` is the path `/records:batch`).
 */
export function fastifyRouteKey(method: string, url: string): string {
  const literalColon = '\u0000';
  const normalized = url
    .replace(/::/g, literalColon)
    .replace(/:[A-Za-z0-9_]+/g, '{}')
    .replace(new RegExp(literalColon, 'g'), ':');
  return `${method.toUpperCase()} ${normalized.length > 1 ? normalized.replace(/\/$/, '') : normalized}`;
}
