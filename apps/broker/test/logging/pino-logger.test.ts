import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { PinoLoggerService, createPino } from '../../src/logging/pino-logger';

function capture(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'): {
  lines: () => Array<Record<string, unknown>>;
  service: PinoLoggerService;
} {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const service = new PinoLoggerService(createPino(level, sink));
  const lines = () =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, service };
}

describe('PinoLoggerService', () => {
  afterEach(() => Logger.overrideLogger(true));

  it('writes every Nest Logger call as one JSON line with level, context and fields', () => {
    const { lines, service } = capture('info');
    Logger.overrideLogger(service);
    new Logger('Retention').log({ msg: 'deleted 2 segments', topic: 'orders' });
    new Logger('Retention').debug('not shown at info');
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'Retention',
        topic: 'orders',
        msg: 'deleted 2 segments',
        time: expect.any(String),
      }),
    ]);
  });

  it('sends Nest start-up chatter to debug', () => {
    const { lines, service } = capture('info');
    Logger.overrideLogger(service);
    new Logger('RouterExplorer').log('Mapped {/v3/clusters, GET} route');
    expect(lines()).toEqual([]);
  });

  it('logs a 500 with its stack', () => {
    const { lines, service } = capture('info');
    Logger.overrideLogger(service);
    const { status } = new HttpExceptionFilter().toResponse(new TypeError('cannot read x of undefined'));
    expect(status).toBe(500);
    const [line] = lines();
    expect(line).toMatchObject({ level: 'error', context: 'ApiErrors' });
    expect(String(line.msg)).toContain('TypeError: cannot read x of undefined');
    expect(String(line.msg)).toContain('    at ');
  });
});
