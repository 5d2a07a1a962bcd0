import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { ClusterService } from './cluster/cluster.service';
import { BrokerConfig, ConfigError, loadBrokerConfig } from './config/broker-config';
import { configureOpenApi } from './docs/openapi';
import { advertisedUrlFor, setAdvertisedUrl } from './http/advertised-url';
import { ConnectionGuard } from './http/connection-guard';
import { connectionGuardFor, fastifyOptions, installHttpEdge, TlsSetupError } from './http/http-edge';
import { PinoLoggerService, createPino } from './logging/pino-logger';
import { MetricsService } from './metrics/metrics.service';
import { installBodyParsers } from './produce/body-parsers';
import { installAuthentication } from './security/auth-hook';
import { Authenticator } from './security/authenticator';
import { RunnelWsAdapter } from './ws/runnel-ws-adapter';

const logger = new Logger('Broker');

async function bootstrap(): Promise<void> {
  let config: BrokerConfig;
  try {
    config = loadBrokerConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`runnel: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  // Every `new Logger('X')` in the broker writes JSON lines through pino from here on.
  const appLogger = new PinoLoggerService(createPino(config.logLevel));
  Logger.overrideLogger(appLogger);
  const guard = connectionGuardFor(config);
  const adapter = new FastifyAdapter(listenerOptions(config, guard));
  const fastify = adapter.getInstance();
  installHttpEdge(fastify, config, guard);
  let authenticator: Authenticator | undefined;
  installAuthentication(fastify, config, () => authenticator);
  // Our parsers replace Nest's (bodyParser: false): POST .../records needs the unread stream.
  installBodyParsers(fastify, config.maxRequestBytes);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bodyParser: false });
  authenticator = app.get(Authenticator);
  app.useWebSocketAdapter(new RunnelWsAdapter(app));
  registerEdgeMetrics(app.get(MetricsService), guard);
  installShutdown(app);
  configureOpenApi(app);
  await listen(app, config);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort;
  const advertisedUrl = advertisedUrlFor(config.advertisedUrl, config.host, port, schemeOf(config));
  setAdvertisedUrl(fastify, advertisedUrl);
  // Cluster mode: the brokers' list shows the address the listener really got.
  await app.get(ClusterService).announce(advertisedUrl);
  // One line a supervisor or test harness can wait for; with RUNNEL_HTTP_PORT=0 it names the real port.
  appLogger.announce(
    'Broker',
    { version: brokerVersion(), port, dataDir: config.dataDir, maxConnections: config.maxConnections, tls: tlsSummary(config) },
    `runnel broker listening on ${schemeOf(config)}://${config.host}:${port} (data dir ${config.dataDir})`,
  );
}

/** Fastify's options; a TLS file or mapping rule the broker cannot use stops the start with one clear line. */
function listenerOptions(config: BrokerConfig, guard: ConnectionGuard): ReturnType<typeof fastifyOptions> {
  try {
    return fastifyOptions(config, guard);
  } catch (error) {
    if (error instanceof TlsSetupError) fail(`cannot start TLS: ${error.message}`);
    throw error;
  }
}

/** `https` when RUNNEL_TLS_CERT is set: the listener (HTTP and WebSocket) speaks TLS only. */
function schemeOf(config: BrokerConfig): 'http' | 'https' {
  return config.security.tls ? 'https' : 'http';
}

function tlsSummary(config: BrokerConfig): string {
  return config.security.tls ? `on (client certificates: ${config.security.tls.clientAuth})` : 'off';
}

/** A taken port or an address this machine does not have: say which variable to change, not a stack. */
async function listen(app: NestFastifyApplication, config: BrokerConfig): Promise<void> {
  try {
    await app.listen(config.httpPort, config.host);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      fail(
        `port ${config.httpPort} on ${config.host} is already in use: stop the other process or set RUNNEL_HTTP_PORT to a free port (0 picks one)`,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      fail(`cannot listen on ${config.host}:${config.httpPort} (${code}): set RUNNEL_HOST / RUNNEL_HTTP_PORT`);
    }
    throw error;
  }
}

function fail(message: string): never {
  logger.fatal(message);
  process.exit(1);
}

function registerEdgeMetrics(metrics: MetricsService, guard: ConnectionGuard): void {
  metrics.gaugeFrom('runnel_http_connections', 'Open HTTP connections (WebSocket included)', () => guard.open);
  metrics.counterFrom(
    'runnel_http_connections_refused_total',
    'Connections closed at accept (RUNNEL_MAX_CONNECTIONS) or answered 503 (RUNNEL_MAX_CONNECTIONS_PER_IP)',
    () => guard.refused,
  );
  metrics.counterFrom(
    'runnel_http_requests_timed_out_total',
    'Requests closed because headers or body came too slowly',
    () => guard.timedOut,
  );
}

/** The version in the broker's package.json (found above this file in source and in dist). */
function brokerVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'runnel' && manifest.version) return manifest.version;
    } catch {
      // no package.json here: look one level up
    }
  }
  return 'unknown';
}

/**
 * SIGTERM/SIGINT: stop accepting, answer in-flight requests, run every module's shutdown hook
 * (logs flushed, checkpoints written), then exit 0. A second signal exits at once.
 */
function installShutdown(app: NestFastifyApplication): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) process.exit(1);
    closing = true;
    logger.log(`${signal} received: shutting down`);
    app.close().then(
      () => {
        logger.log('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`shutdown after ${signal} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** A bug that escaped every handler: one fatal JSON line with its stack, then exit 1 (Node's default, logged). */
function onEscapedError(error: unknown): void {
  if (error instanceof Error) logger.fatal(`uncaught: ${error.message}`, error.stack);
  else logger.fatal(`uncaught: ${String(error)}`);
  process.exit(1);
}
process.on('uncaughtException', onEscapedError);
process.on('unhandledRejection', onEscapedError);

bootstrap().catch((error: unknown) => {
  // One line: the message first; the stack rides along as a field of the JSON line.
  if (error instanceof Error) logger.fatal(error.message, error.stack);
  else logger.fatal(String(error));
  process.exit(1);
});
