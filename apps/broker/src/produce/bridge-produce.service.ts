import { Injectable } from '@nestjs/common';
import { RunnelError, badRequest, toApiError } from '../common/errors';
import type { Caller } from '../security/caller';
import { TopicsService } from '../topics/topics.service';
import { V2_CONTENT_TYPE, type V2Format } from './body-parsers';
import { MAX_BATCH_ENTRIES } from './produce-config';
import { HttpAnswer, ProduceService } from './produce.service';

/**
 * The produce routes that the Strimzi Kafka Bridge and Confluent REST Proxy v2 share:
 * `POST /topics/{topic}` and `POST /topics/{topic}/partitions/{partition}` with
 * `{"records":[{"key"?, "value", "partition"?, "timestamp"?, "headers"?}]}`, answered 200
 * `{"offsets":[...], "key_schema_id": null, "value_schema_id": null}` in record order.
 *
 * Keys and values are in the request's embedded format (its Content-Type): `json` (any JSON,
 * stored as its JSON text; also plain application/json), `binary` (base64) or `text` (a string,
 * stored as UTF-8). Headers are the bridge's `[{"key", "value": base64}]`. Each record is
 * produced as Runnel's own JSON produce does (ProduceService.produceJson: partitioning, batching,
 * acks=all); a record the broker refuses has its error in its place, as both APIs answer it:
 * `{"partition": null, "offset": null, "error_code", "error", "message"}` (v2's `error`, the
 * bridge's `message`); a success is `{"partition", "offset", "error_code": null, "error": null}`.
 * A body that is not a record list is 422; an unknown topic or partition is 404 / 40403.
 * `?async=true` (the bridge's) answers 204 once the records are queued (acks=0).
 * The caller needs WRITE on the topic, checked before the topic is looked up (40301, as v3 produce).
 */
@Injectable()
export class BridgeProduceService {
  constructor(
    private readonly produce: ProduceService,
    private readonly topics: TopicsService,
  ) {}

  async produceRecords(
    caller: Caller,
    topic: string,
    partition: number | undefined,
    body: unknown,
    format: V2Format,
    async: boolean,
  ): Promise<HttpAnswer> {
    try {
      this.topics.authorize(caller, 'WRITE', topic);
      if (partition !== undefined) this.topics.partition(topic, partition);
      else this.topics.get(topic);
      const inputs = toRecordInputs(body, format, partition);
      const results = await this.produce.produceJson(topic, inputs, async ? 0 : -1);
      if (async) return { status: 204, contentType: V2_CONTENT_TYPE, body: '' };
      const offsets = results.map((result) =>
        'error_code' in result
          ? { partition: null, offset: null, error_code: result.error_code, error: result.message, message: result.message }
          : { partition: result.partition_id, offset: result.offset, error_code: null, error: null },
      );
      return { status: 200, contentType: V2_CONTENT_TYPE, body: JSON.stringify({ offsets, key_schema_id: null, value_schema_id: null }) };
    } catch (error) {
      const failure = toApiError(error);
      return { status: failure.status, contentType: V2_CONTENT_TYPE, body: JSON.stringify(failure.toBody()) };
    }
  }
}

const unprocessable = (message: string): RunnelError => new RunnelError('UNPROCESSABLE', message);

/** The v2 record list as Runnel's JSON records (`{partition_id, key, value, headers, timestamp}`). */
function toRecordInputs(body: unknown, format: V2Format, partition: number | undefined): unknown[] {
  const records = (body as { records?: unknown } | null)?.records;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Array.isArray(records)) {
    throw unprocessable('The body must be a record list: {"records": [{"key"?, "value", "partition"?, "headers"?}]}');
  }
  if (records.length > MAX_BATCH_ENTRIES)
    throw unprocessable(`${records.length} records in one request; the limit is ${MAX_BATCH_ENTRIES}`);
  return records.map((record: unknown, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw unprocessable(`records[${i}] must be an object`);
    const { key, value, partition: recordPartition, timestamp, headers } = record as Record<string, unknown>;
    return {
      partition_id: partition ?? recordPartition,
      key: embedded(format, key, `records[${i}].key`),
      value: embedded(format, value, `records[${i}].value`),
      timestamp,
      headers: bridgeHeaders(headers, i),
    };
  });
}

/** One key or value in the request's embedded format, as Runnel's `{type, data}`. */
function embedded(format: V2Format, data: unknown, field: string): { type: string; data: unknown } | null {
  if (data === undefined || data === null) return null;
  if (format === 'json') return { type: 'JSON', data };
  if (typeof data !== 'string') {
    throw unprocessable(`${field} must be a ${format === 'binary' ? 'base64 string' : 'string'} with this Content-Type`);
  }
  return { type: format === 'binary' ? 'BINARY' : 'STRING', data };
}

/** The bridge's headers `[{"key", "value": base64}]` as Runnel's `[{"name", "value"}]`. */
function bridgeHeaders(headers: unknown, index: number): unknown {
  if (headers === undefined || headers === null) return undefined;
  if (!Array.isArray(headers)) throw unprocessable(`records[${index}].headers must be an array of {"key", "value"}`);
  return headers.map((header: unknown, i) => {
    const { key, value } = (header ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') throw unprocessable(`records[${index}].headers[${i}].key must be a string`);
    return { name: key, value };
  });
}

export const parseAsync = (raw: unknown): boolean => {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw badRequest('async must be true or false');
};
