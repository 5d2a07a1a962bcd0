import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readOpenApi } from '../docs/openapi-document';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { acl, call } from './acls-support';

/**
 * docs/openapi.json for the ACL, acls:check and audit-log routes, against a real broker's answers:
 * each status must be documented for the operation, and a JSON body must match its (closed) schema.
 */
describe('docs/openapi.json: the ACL and audit-log answers of a real broker', () => {
  let broker: BrokerProcess;

  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('every answer is documented, and its body matches the documented schema', async () => {
    type Documented = { $ref?: string; content?: Record<string, { schema: { $ref: string } }> };
    type Doc = {
      paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
      components: { responses: Record<string, Documented> };
    };
    const doc = readOpenApi() as unknown as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi.json');
    const C = '/v3/clusters/{cluster_id}';
    const root = `${broker.baseUrl}/v3/clusters/-`;
    const all = 'resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY';
    const check = 'principal=User%3Aalice&resource_type=TOPIC&resource_name=orders&operation=READ';
    const calls: [operation: string, url: string, body?: unknown][] = [
      [`post ${C}/acls`, `${root}/acls`, acl()],
      [`post ${C}/acls`, `${root}/acls`, acl({ resource_type: 'ANY' })],
      [`post ${C}/acls`, `${root}/acls`, acl({ principal: 'alice' })],
      [
        `post ${C}/acls:batch`,
        `${root}/acls:batch`,
        { data: [acl({ operation: 'WRITE' }), acl({ permission: 'DENY', host: '10.0.0.1' })] },
      ],
      [`post ${C}/acls:batch`, `${root}/acls:batch`, { data: 1 }],
      [`get ${C}/acls`, `${root}/acls`],
      [`get ${C}/acls`, `${root}/acls?resource_type=TOPIC&resource_name=orders&pattern_type=MATCH`],
      [`get ${C}/acls`, `${root}/acls?operation=UNKNOWN`],
      [`get ${C}/acls`, `${broker.baseUrl}/v3/clusters/nothing/acls`],
      [`get ${C}/acls:check`, `${root}/acls:check?${check}`],
      [`get ${C}/acls:check`, `${root}/acls:check?${check}&host=10.0.0.1`],
      [`get ${C}/acls:check`, `${root}/acls:check?principal=User%3Aadmin&resource_type=CLUSTER&operation=ALTER`],
      [`get ${C}/acls:check`, `${root}/acls:check?principal=alice`],
      [`delete ${C}/acls`, `${root}/acls?resource_type=TOPIC&pattern_type=LITERAL&operation=WRITE&permission=ALLOW`],
      [`delete ${C}/acls`, `${root}/acls`],
      [`delete ${C}/acls`, `${root}/acls?${all}`],
      [`get ${C}/audit-log`, `${root}/audit-log?limit=2`],
      [`get ${C}/audit-log`, `${root}/audit-log`],
      [`get ${C}/audit-log`, `${root}/audit-log?limit=0`],
      [`get ${C}/audit-log`, `${root}/audit-log?order=desc&limit=1&operation=CREATE_ACLS&resource=ACL&outcome=SUCCESS`],
      [`get ${C}/audit-log`, `${root}/audit-log?order=desc&after=1`],
    ];
    const problems: string[] = [];
    for (const [operation, url, body] of calls) {
      const [method, path] = operation.split(' ');
      const answer = await call(method.toUpperCase(), url, body);
      let response = doc.paths[path]?.[method]?.responses[String(answer.status)];
      if (response?.$ref) response = doc.components.responses[response.$ref.split('/').pop()!];
      const schema = response?.content?.['application/json']?.schema;
      if (!response) problems.push(`${operation} ${url}: status ${answer.status} is not documented`);
      else if (!schema) {
        if (answer.body !== undefined) problems.push(`${operation} ${url}: status ${answer.status} is documented without a body`);
      } else if (!ajv.validate({ $ref: `openapi.json${schema.$ref}` }, answer.body)) {
        problems.push(`${operation} ${url}: ${ajv.errorsText(ajv.errors)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
