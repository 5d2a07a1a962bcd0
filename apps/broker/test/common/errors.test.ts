import { BadRequestException, Logger, UnsupportedMediaTypeException } from '@nestjs/common';
import { GroupError } from '@runnel/groups';
import { LogClosedError, OffsetOutOfRangeError } from '@runnel/log';
import { API_ERRORS, ProtocolError, asOffset } from '@runnel/protocol';
import { PartitionOffsetOutOfRangeError, PartitionStorageError } from '@runnel/replication';
import { ERROR_KINDS, RunnelError, toApiError } from '../../src/common/errors';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';

/** toApiError: the one map from library/framework errors to API.md's errors, for every transport. */
describe('toApiError', () => {
  const logged: string[] = [];
  beforeEach(() => {
    logged.length = 0;
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void logged.push(String(message)));
  });
  afterEach(() => jest.restoreAllMocks());

  const bodyOf = (error: unknown) => {
    const api = toApiError(error);
    return { status: api.status, retriable: api.retriable, ...api.toBody() };
  };

  it('shares its code table with @runnel/protocol (and so with the client)', () => {
    expect(ERROR_KINDS).toBe(API_ERRORS);
  });

  it('maps each library error by type to its API.md code, status and fields', () => {
    const range = new OffsetOutOfRangeError(1, asOffset(3), asOffset(9));
    expect(bodyOf(new PartitionOffsetOutOfRangeError('t', 2, range, asOffset(5)))).toEqual({
      status: 416,
      retriable: false,
      error_code: 416,
      message: 'offset 1 is outside the range of t-2: [3, 5]',
      earliest_offset: 3,
      high_watermark: 5,
    });
    expect(bodyOf(range)).toMatchObject({ status: 416, error_code: 416, earliest_offset: 3, high_watermark: 9 });
    expect(bodyOf(new ProtocolError('CORRUPT_CRC', 'crc'))).toMatchObject({ status: 400, error_code: 40001 });
    expect(bodyOf(new ProtocolError('TOO_LARGE', 'big'))).toMatchObject({ status: 413, error_code: 41301 });
    expect(bodyOf(new GroupError('FENCED', 'fenced'))).toEqual({ status: 409, retriable: false, error_code: 40901, message: 'fenced' });
    expect(bodyOf(new GroupError('UNKNOWN_GROUP', 'no'))).toMatchObject({ status: 404, error_code: 40404 });
    expect(bodyOf(new PartitionStorageError('t', 0, new Error('EIO')))).toMatchObject({ status: 500, retriable: true, error_code: 50003 });
    expect(bodyOf(new LogClosedError('/data/t-0'))).toMatchObject({ status: 500, retriable: true, error_code: 50003 });
    expect(logged).toEqual([]);
  });

  it('maps framework 4xx by status and answers anything else 50001, logging its stack', () => {
    expect(bodyOf(new BadRequestException('bad json'))).toMatchObject({ status: 400, error_code: 40001, message: 'bad json' });
    expect(bodyOf(Object.assign(new Error('too big'), { statusCode: 413 }))).toMatchObject({ status: 413, error_code: 41301 });
    expect(bodyOf(new UnsupportedMediaTypeException('nope'))).toMatchObject({ status: 415, error_code: 415 });
    const bug = new TypeError('x is undefined');
    expect(bodyOf(bug)).toEqual({ status: 500, retriable: false, error_code: 50001, message: 'Internal server error' });
    expect(logged).toEqual([bug.stack]);
  });

  it('is what the HTTP filter answers, so HTTP, SSE, NDJSON and WebSocket bodies agree', () => {
    const error = new PartitionOffsetOutOfRangeError('t', 0, new OffsetOutOfRangeError(0, asOffset(1), asOffset(2)), asOffset(2));
    expect(new HttpExceptionFilter().toResponse(error)).toEqual({
      status: 416,
      body: toApiError(error).toBody(),
      retryAfterSeconds: undefined,
    });
    const runnel = new RunnelError('THROTTLED', 'slow down', { retryAfterSeconds: 2 });
    expect(toApiError(runnel)).toBe(runnel);
  });
});
