import type { DataType } from '../common/encodings';
import type { RunnelError } from '../common/errors';
import { isoTime } from '../common/rest-v3';
import type { PendingBatch } from './record-accumulator';

/**
 * The fate of one submitted JSON record and its renderings: the per-record result of
 * `ProduceService.produceJson` (WebSocket: epoch-ms timestamps, API.md codes) and the Confluent
 * v3 answers of `/records` (ProduceResponse: `{"error_code":200,"cluster_id",...}` or
 * `{"error_code","message"}`) and `records:batch` (ProduceBatchResponse), whose timestamps are
 * ISO-8601 date-times and whose error codes are Confluent's (reportErrorCode).
 */
export interface Delivery {
  /** The batch it joined; null when refused (`error`) or with acks=0 (nobody waits). */
  batch: PendingBatch | null;
  index: number;
  partition: number;
  timestamp: number;
  keyType: DataType | null;
  keySize: number;
  valueType: DataType | null;
  valueSize: number;
  error: RunnelError | null;
  /** Refused because its text is not JSON (a lone record like that is answered 400, not 200). */
  malformed?: boolean;
}

export type ProduceResult = { partition_id: number; offset: number; timestamp: number } | { error_code: number; message: string };

export function refused(error: RunnelError, malformed = false): Delivery {
  return {
    batch: null,
    index: 0,
    partition: -1,
    timestamp: -1,
    keyType: null,
    keySize: 0,
    valueType: null,
    valueSize: 0,
    error,
    malformed,
  };
}

export function isSettled(delivery: Delivery): boolean {
  return delivery.batch === null || delivery.batch.settled;
}

/** The error of a settled delivery, if it failed. */
export function errorOf(delivery: Delivery): RunnelError | null {
  return delivery.error ?? delivery.batch?.error ?? null;
}

/** Offset and timestamp of a settled, successful delivery; offset -1 with acks=0 (as Kafka). */
function placement(delivery: Delivery): { offset: number; timestamp: number } {
  const outcome = delivery.batch?.outcome;
  if (outcome === undefined) return { offset: -1, timestamp: delivery.timestamp };
  return {
    offset: outcome.baseOffset + delivery.index,
    timestamp: outcome.logAppendTimeMs >= 0 ? outcome.logAppendTimeMs : delivery.timestamp,
  };
}

export function resultOf(delivery: Delivery): ProduceResult {
  const error = errorOf(delivery);
  if (error !== null) return { error_code: error.errorCode, message: error.message };
  const { offset, timestamp } = placement(delivery);
  return { partition_id: delivery.partition, offset, timestamp };
}

/**
 * The JSON text of a delivery report. `prefix` is `"cluster_id":...,"topic_name":...,` for the
 * topic, rendered once per request (reports are built by hand: this is the per-record hot path).
 */
export function reportText(prefix: string, delivery: Delivery): string {
  const error = errorOf(delivery);
  if (error !== null) return `{"error_code":${reportErrorCode(error)},"message":${JSON.stringify(error.message)}}`;
  return `{"error_code":200,${prefix}${placementText(delivery)}}`;
}

/**
 * The 207 body of records:batch (ProduceBatchResponse), in entry order:
 * `{"successes":[{"id","cluster_id","topic_name","partition_id","offset","timestamp","key","value"}],
 * "failures":[{"id","error_code","message"}]}`, written by hand (per-record hot path).
 */
export function batchAnswerText(prefix: string, ids: readonly string[], deliveries: readonly Delivery[]): string {
  let successes = '';
  let failures = '';
  for (let i = 0; i < deliveries.length; i++) {
    const delivery = deliveries[i];
    const id = JSON.stringify(ids[i]);
    const error = errorOf(delivery);
    if (error !== null) {
      failures += `${failures === '' ? '' : ','}{"id":${id},"error_code":${reportErrorCode(error)},"message":${JSON.stringify(error.message)}}`;
    } else {
      successes += `${successes === '' ? '' : ','}{"id":${id},${prefix}${placementText(delivery)}}`;
    }
  }
  return `{"successes":[${successes}],"failures":[${failures}]}`;
}

/** `"partition_id","offset","timestamp"` (date-time) and `"key","value"` ({type, size} or null) of a success. */
function placementText(delivery: Delivery): string {
  const { offset, timestamp } = placement(delivery);
  return (
    `"partition_id":${delivery.partition},"offset":${offset},"timestamp":"${isoTime(timestamp)}",` +
    `"key":${dataText(delivery.keyType, delivery.keySize)},"value":${dataText(delivery.valueType, delivery.valueSize)}`
  );
}

function dataText(type: DataType | null, size: number): string {
  return type === null ? 'null' : `{"type":"${type}","size":${size}}`;
}

export function reportPrefix(clusterId: string, topic: string): string {
  return `"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topic)},`;
}

/**
 * The code a record's own error carries inside a v3 delivery report or a records:batch failure:
 * the HTTP-style code Confluent's proxy uses there (its ProduceAction / ProduceBatchAction
 * integration tests) — bad input 400 ("Bad Request: data=1 is not a base64 string."), a record
 * over the topic's max.message.bytes 413 (the spec's RequestEntityTooLarge example). Kafka-level
 * codes (40403 unknown partition, 50003 retriable, 42901 throttled) stay as the error table has
 * them; whole-request errors are the table's (libs/protocol api-errors.ts) as on every route.
 */
export function reportErrorCode(error: RunnelError): number {
  if (error.kind === 'BAD_REQUEST') return 400;
  if (error.kind === 'TOO_LARGE') return 413;
  return error.errorCode;
}

/**
 * The HTTP status of a lone record's answer (record-stream.ts): 200 with the error in the report,
 * as Confluent answers a refused record — except when retrying can help (storage unavailable,
 * throttled): then 500 / 429, so a client that only looks at the status retries instead of
 * dropping the record.
 */
export function loneRecordStatus(error: RunnelError | null): number {
  return error === null || !error.retriable ? 200 : error.status;
}
