import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadBrokerConfig } from './config/broker-config';
import { configureOpenApi } from './docs/openapi';
import { installBodyParsers } from './produce/body-parsers';

async function bootstrap(): Promise<void> {
  const config = loadBrokerConfig(process.env);
  const adapter = new FastifyAdapter({ bodyLimit: config.maxRequestBytes, maxParamLength: 1024 }); // topic names are up to 249 chars (Fastify's default is 100)
  // Our parsers replace Nest's (bodyParser: false): POST .../records needs the unread stream.
  installBodyParsers(adapter.getInstance(), config.maxRequestBytes);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  installShutdown(app);
  configureOpenApi(app);
  await app.listen(config.httpPort, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.httpPort;
  // One line a supervisor or test harness can wait for; with RUNNEL_HTTP_PORT=0 it names the real port.
  console.log(`runnel broker listening on http://${config.host}:${port} (data dir ${config.dataDir})`);
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
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown after ${signal} failed:`, error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
