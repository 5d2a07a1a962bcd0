import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { loadBrokerConfig } from '../../src/config/broker-config';
import { configureOpenApi } from '../../src/docs/openapi';
import { installBodyParsers } from '../../src/produce/body-parsers';
import { RunnelWsAdapter } from '../../src/ws/runnel-ws-adapter';
import { OPENAPI_FILE, fastifyRouteKey, readOpenApi, specRouteKeys } from './openapi-document';

/**
 * docs/openapi.json against the routes the broker really registers. The app is composed as
 * main.ts composes it, on a temp data dir; every route Fastify registers is recorded by an
 * onRoute hook. A route added, removed or renamed in a controller without the same change in
 * the document fails here, in both directions.
 */
describe('docs/openapi.json: the routes of the broker', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  const registered: string[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-openapi-routes-'));
    const config = loadBrokerConfig({ RUNNEL_DATA_DIR: dataDir, RUNNEL_HTTP_PORT: '0', RUNNEL_HOST: '127.0.0.1' });
    const adapter = new FastifyAdapter({ bodyLimit: config.maxRequestBytes });
    adapter.getInstance().addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        // Fastify adds a HEAD route for every GET (exposeHeadRoutes); the document says so once.
        if (method !== 'HEAD') registered.push(fastifyRouteKey(method, route.url));
      }
    });
    installBodyParsers(adapter.getInstance(), config.maxRequestBytes);
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { logger: false, bodyParser: false });
    app.useWebSocketAdapter(new RunnelWsAdapter(app));
    configureOpenApi(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is an OpenAPI 3.1 document', () => {
    expect(readOpenApi().openapi).toMatch(/^3\.1\./);
  });

  it('describes every route the broker registers', () => {
    expect(registered.length).toBeGreaterThan(20);
    const described = new Set(specRouteKeys(readOpenApi()));
    expect(registered.filter((route) => !described.has(route)).sort()).toEqual([]);
  });

  it('describes no route the broker does not register', () => {
    const served = new Set(registered);
    expect(
      specRouteKeys(readOpenApi())
        .filter((route) => !served.has(route))
        .sort(),
    ).toEqual([]);
  });

  it('is self-consistent: every $ref resolves, operation ids are unique, path parameters are declared', () => {
    const doc = readOpenApi();
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    const unresolved = refs.filter((ref) => {
      let node: unknown = doc;
      for (const segment of ref.replace(/^#\//, '').split('/')) {
        node = (node as Record<string, unknown> | undefined)?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
      }
      return !ref.startsWith('#/') || node === undefined;
    });
    expect(unresolved).toEqual([]);
    const resolve = <T>(value: T | { $ref: string }): T =>
      (typeof value === 'object' && value !== null && '$ref' in value
        ? (doc.components as unknown as Record<string, Record<string, T>>).parameters[value.$ref.split('/').pop()!]
        : value) as T;
    const ids: string[] = [];
    const undeclared: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const operation of Object.values(item) as unknown as { operationId: string; parameters?: unknown[] }[]) {
        ids.push(operation.operationId);
        const declared = new Set(
          (operation.parameters ?? [])
            .map((x) => resolve(x as { name: string; in: string }))
            .filter((x) => x.in === 'path')
            .map((x) => x.name),
        );
        for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) if (!declared.has(name)) undeclared.push(`${operation.operationId}: ${name}`);
      }
    }
    expect(ids.filter((id, i) => id === undefined || ids.indexOf(id) !== i)).toEqual([]);
    expect(undeclared).toEqual([]);
  });

  it('serves the checked-in document at GET /docs-json', async () => {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8')));
  });
});
