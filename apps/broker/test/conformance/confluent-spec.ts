import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Confluent's REST v3 spec (fixtures/, see NOTICE.md there) read as a test oracle: the operations
 * it defines, and a validator for what a server answers to each. The spec is OpenAPI 3.0, whose
 * schemas are JSON Schema draft-04-ish plus `nullable`; `nullable: true` is rewritten into a type
 * union (or an `anyOf` with null where the schema has no `type`) before the whole document is
 * loaded into ajv, so every `$ref` into `components` resolves as written.
 */
export const SPEC_PATH = path.join(__dirname, 'fixtures/confluent-kafka-rest-v3.openapi.yaml');
const SPEC_ID = 'confluent-kafka-rest-v3';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/* eslint-disable @typescript-eslint/no-explicit-any -- the spec is untyped YAML, walked by key */
export type SpecDocument = Record<string, any>;

export interface SpecOperation {
  /** The spec's operationId, or `METHOD path` for the operations the spec leaves unnamed (brokers, replicas, reassignments). */
  readonly id: string;
  readonly method: string;
  /** The path as the spec writes it, relative to the server URL (`/clusters/{cluster_id}/topics`). */
  readonly path: string;
  readonly tags: readonly string[];
  /** Every status the spec lists for the operation, as written (`'200'`, `'404'`, `'5XX'`). */
  readonly statuses: readonly string[];
  /** The request body's examples by name (`example` is named `example`), empty when it has none. */
  readonly requestExamples: Readonly<Record<string, unknown>>;
}

export function readSpec(): SpecDocument {
  return parse(fs.readFileSync(SPEC_PATH, 'utf8'));
}

/** Resolves a local `$ref` (`#/components/responses/X`) against the document, repeatedly. */
function deref(doc: SpecDocument, node: any): any {
  while (node && typeof node.$ref === 'string') node = pointer(doc, node.$ref);
  return node;
}

function pointer(doc: SpecDocument, ref: string): any {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((node, key) => node?.[key], doc);
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every operation of the spec, in the spec's order. */
export function specOperations(doc: SpecDocument): SpecOperation[] {
  const operations: SpecOperation[] = [];
  for (const [specPath, item] of Object.entries<any>(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const content = deref(doc, operation.requestBody)?.content?.['application/json'];
      const requestExamples: Record<string, unknown> = {};
      if (content?.example !== undefined) requestExamples.example = content.example;
      for (const [name, example] of Object.entries<any>(content?.examples ?? {})) requestExamples[name] = deref(doc, example).value;
      operations.push({
        id: operation.operationId ?? `${method.toUpperCase()} ${specPath}`,
        method: method.toUpperCase(),
        path: specPath,
        tags: operation.tags ?? [],
        statuses: Object.keys(operation.responses),
        requestExamples,
      });
    }
  }
  return operations;
}

/**
 * The spec's one invalid schema, corrected in place: `PartitionWithOffsetsData` types its offsets
 * `type: int64` (no such JSON type; ajv refuses to compile it) where `type: integer, format: int64`
 * is meant, as everywhere else in the spec. The fixture itself stays verbatim.
 */
export function correctErrata(node: any): any {
  if (Array.isArray(node)) node.forEach(correctErrata);
  else if (node !== null && typeof node === 'object') {
    if (node.type === 'int64') Object.assign(node, { type: 'integer', format: 'int64' });
    Object.values(node).forEach(correctErrata);
  }
  return node;
}

/** Rewrites OpenAPI 3.0 `nullable: true` into JSON Schema, in place, everywhere in the document. */
export function rewriteNullable(node: any): any {
  if (Array.isArray(node)) {
    node.forEach((child, i) => (node[i] = rewriteNullable(child)));
    return node;
  }
  if (node === null || typeof node !== 'object') return node;
  for (const key of Object.keys(node)) node[key] = rewriteNullable(node[key]);
  if (node.nullable !== true) return node;
  delete node.nullable;
  if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum)) node.enum = [...node.enum, null];
    return node;
  }
  return { anyOf: [{ type: 'null' }, node] };
}

export interface AnswerCheck {
  /** What is wrong with the answer, one line each; empty when it conforms. */
  readonly problems: string[];
}

/**
 * Checks one answer against the spec: the status must be one the operation lists, a body must
 * come with a Content-Type the response declares and validate against its schema, and a response
 * the spec declares without content (204) must have no body.
 */
export class SpecValidator {
  private readonly ajv: Ajv;

  constructor(readonly doc: SpecDocument = readSpec()) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // OpenAPI's integer formats: ajv-formats does not define them; Java's ranges are what they mean.
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('byte', { type: 'string', validate: (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) });
    this.ajv.addSchema(rewriteNullable(correctErrata(structuredClone(doc))), SPEC_ID);
  }

  check(operation: SpecOperation, status: number, contentType: string | null, body: string): AnswerCheck {
    const problems: string[] = [];
    const declared = operation.statuses.find((s) => s === String(status)) ?? operation.statuses.find((s) => s === `${String(status)[0]}XX`);
    if (!declared || status >= 500) {
      problems.push(`status ${status} is not one the spec lists for ${operation.id} (${operation.statuses.join(', ')})`);
      return { problems };
    }
    const responsePointer = this.responsePointer(operation, declared);
    const response = pointer(this.doc, responsePointer);
    const mediaTypes = Object.keys(response?.content ?? {});
    if (mediaTypes.length === 0) {
      if (body.length > 0) problems.push(`status ${status} has no body in the spec, got ${JSON.stringify(body.slice(0, 200))}`);
      return { problems };
    }
    const mediaType = mediaTypes.find((m) => contentType?.toLowerCase().startsWith(m));
    if (!mediaType) {
      problems.push(`content-type ${contentType} is not one the spec declares (${mediaTypes.join(', ')})`);
      return { problems };
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      problems.push(`body is not JSON: ${JSON.stringify(body.slice(0, 200))}`);
      return { problems };
    }
    problems.push(...this.validate(`${responsePointer}/content/${escapePointer(mediaType)}/schema`, json));
    return { problems };
  }

  /**
   * A parsed answer body of `METHOD specPath` with `status`, against the spec's schema for it. An
   * error status the operation does not list (the spec lists no 404 for most reads, yet Confluent
   * answers one) must still be the spec's Error. Empty when it conforms.
   */
  checkBody(method: string, specPath: string, status: number, body: unknown): string[] {
    const operation = specOperations(this.doc).find((o) => o.method === method.toUpperCase() && o.path === specPath);
    if (!operation) return [`the spec has no operation ${method} ${specPath}`];
    const declared = operation.statuses.find((s) => s === String(status)) ?? operation.statuses.find((s) => s === `${String(status)[0]}XX`);
    if (!declared) {
      return status >= 400 ? this.validate('#/components/schemas/Error', body) : [`${operation.id} lists no ${status} answer`];
    }
    const responsePointer = this.responsePointer(operation, declared);
    const mediaType = Object.keys(pointer(this.doc, responsePointer)?.content ?? {})[0];
    if (!mediaType) return body === undefined ? [] : [`status ${status} has no body in the spec`];
    return this.validate(`${responsePointer}/content/${escapePointer(mediaType)}/schema`, body);
  }

  /** What is wrong with a JSON request body for the operation (the spec's request schema); empty when it conforms. */
  checkRequest(operation: SpecOperation, body: unknown): string[] {
    let ref = `#/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}/requestBody`;
    for (let node = pointer(this.doc, ref); typeof node?.$ref === 'string'; node = pointer(this.doc, ref)) ref = node.$ref;
    if (!pointer(this.doc, ref)?.content?.['application/json']) return [`${operation.id} takes no JSON request body`];
    return this.validate(`${ref}/content/application~1json/schema`, body).map((p) => p.replace(/^body/, 'request body'));
  }

  /** Validates `value` against the schema at `schemaPointer` (a JSON pointer into the spec). */
  validate(schemaPointer: string, value: unknown): string[] {
    const validate = this.ajv.getSchema(`${SPEC_ID}${schemaPointer}`);
    if (!validate) throw new Error(`no schema at ${schemaPointer}`);
    if (validate(value)) return [];
    return describeErrors(validate.errors ?? [], value);
  }

  /** The JSON pointer (`#/components/responses/X`) of the response the operation declares for `status`. */
  private responsePointer(operation: SpecOperation, status: string): string {
    let ref = `#/paths/${escapePointer(operation.path)}/${operation.method.toLowerCase()}/responses/${status}`;
    for (let node = pointer(this.doc, ref); typeof node?.$ref === 'string'; node = pointer(this.doc, ref)) ref = node.$ref;
    return ref;
  }
}

/** ajv's errors as `at /data/0/leader: must be object (value: "…")`, without the noise of failed `anyOf` branches. */
function describeErrors(errors: ErrorObject[], value: unknown): string[] {
  const lines = errors
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'allOf')
    .map((e) => {
      const at = pointer({ root: value }, `#/root${e.instancePath}`);
      const seen = at === undefined ? '' : ` (value: ${JSON.stringify(at)?.slice(0, 80)})`;
      const detail = e.keyword === 'required' || e.keyword === 'additionalProperties' ? '' : seen;
      return `body at ${e.instancePath || '/'}: ${e.message}${detail}`;
    });
  return [...new Set(lines)].slice(0, 12);
}

/** Every `self` and `related` URL anywhere in a body (each once). */
export function linksIn(value: unknown, found = new Set<string>()): string[] {
  if (Array.isArray(value)) value.forEach((child) => linksIn(child, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'self' || key === 'related') && typeof child === 'string') found.add(child);
      else linksIn(child, found);
    }
  }
  return [...found];
}
