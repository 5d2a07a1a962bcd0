import type { LoggerService } from '@nestjs/common';
import { pino, type Logger as Pino } from 'pino';
import type { LogLevel } from '../config/broker-config';

/**
 * The broker's app logger: every `new Logger('Context')` in the code writes through it as one
 * JSON line on stdout (`{"level":"info","time":"…","context":"…","msg":"…"}`), at or above
 * RUNNEL_LOG_LEVEL. Writes are synchronous so the last lines before an exit are never lost.
 * Nest's own start-up chatter (one line per module and route) goes to debug.
 */
const NEST_INTERNALS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
  'WebSocketsController',
]);

export function createPino(level: LogLevel, destination: NodeJS.WritableStream | number = 1): Pino {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  );
}

export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * A line written at `info` whatever RUNNEL_LOG_LEVEL is: the start line supervisors (and the
   * test harness) wait for must not vanish with RUNNEL_LOG_LEVEL=warn.
   */
  announce(context: string, fields: Record<string, unknown>, message: string): void {
    this.pino.child({ context }, { level: 'info' }).info(fields, message);
  }

  /**
   * Nest passes `(message, ...extra, context)`; for error, `extra` is the stack when there is one.
   * An object message or extra is merged into the line as fields.
   */
  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]): void {
    const extra = [...params];
    const context = extra.length > 0 && typeof extra[extra.length - 1] === 'string' ? (extra.pop() as string) : undefined;
    if (context !== undefined && NEST_INTERNALS.has(context) && level === 'info') level = 'debug';
    if (!this.pino.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    for (const item of extra) {
      if (item === undefined) continue;
      if (typeof item === 'string') fields.stack = item;
      else if (item instanceof Error) fields.err = item;
      else if (typeof item === 'object' && item !== null) Object.assign(fields, item);
    }
    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      const { msg, message: text, ...rest } = message as Record<string, unknown>;
      this.pino[level]({ ...fields, ...rest }, String(msg ?? text ?? ''));
    } else {
      this.pino[level](fields, String(message));
    }
  }
}
