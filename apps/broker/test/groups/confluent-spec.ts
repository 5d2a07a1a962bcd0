import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Confluent's REST v3 spec (the fixture under test/conformance/fixtures, with its licence) as a
 * validator of real answers: `check('get', '/clusters/{cluster_id}/consumer-groups', 200, body)`
 * finds the operation's response for that status and validates the body against its schema
 * (OpenAPI 3.0: JSON Schema draft 7 plus `nullable`, which ajv 8 knows). An error status the
 * operation does not declare (the spec lists no 404 for most reads, yet Confluent answers 404)
 * must still be the spec's Error. Returns the problems, [] when the body conforms.
 */
const SPEC_FILE = path.resolve(__dirname, '../conformance/fixtures/confluent-kafka-rest-v3.openapi.yaml');
const SPEC_ID = 'confluent-v3';

/* eslint-disable @typescript-eslint/no-explicit-any -- the spec is read as plain YAML */
export interface ConfluentSpec {
  check(method: string, specPath: string, status: number, body: unknown): string[];
}

export function loadConfluentSpec(): ConfluentSpec {
  const spec = parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(spec, SPEC_ID);
  const compiled = new Map<string, ValidateFunction>();
  const resolve = (node: any): any => {
    if (node && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
      return resolve(
        node.$ref
          .slice(2)
          .split('/')
          .reduce((at: any, key: string) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], spec),
      );
    }
    return node;
  };
  return {
    check(method, specPath, status, body) {
      const operation = spec.paths?.[specPath]?.[method.toLowerCase()];
      if (!operation) return [`the spec has no operation ${method} ${specPath}`];
      const responses = operation.responses ?? {};
      const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
      if (!declared && status < 400) {
        return [`${method} ${specPath}: the spec declares no ${status} answer (declared: ${Object.keys(responses).join(', ')})`];
      }
      const schema = declared ? resolve(declared).content?.['application/json']?.schema : { $ref: '#/components/schemas/Error' };
      if (!schema) return [];
      const key = `${method} ${specPath} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        const ref = typeof schema.$ref === 'string' ? `${SPEC_ID}${schema.$ref}` : undefined;
        validate = ref ? ajv.compile({ $ref: ref }) : ajv.compile(schema);
        compiled.set(key, validate);
      }
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '/'} ${e.message}`);
    },
  };
}

/** Every `self` and `related` URL of a v3 body (any depth). */
export function linksOf(body: unknown): string[] {
  const links: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'self' || key === 'related') && typeof value === 'string') links.push(value);
        else walk(value);
      }
    }
  };
  walk(body);
  return links;
}
