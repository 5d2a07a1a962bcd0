import { RunnelError } from '../common/errors';

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
