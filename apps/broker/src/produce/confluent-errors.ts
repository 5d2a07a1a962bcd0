import { RunnelError } from '../common/errors';

/**
 * How the Confluent REST v3 produce routes (`/records`, `/records:batch`) word Runnel's errors, as
 * Confluent's proxy answers them (its ProduceAction / ProduceBatchAction integration tests):
 *   - a record's own error inside a delivery report uses the HTTP-style code Confluent uses there:
 *     bad input 400 ("Bad Request: data=1 is not a base64 string."), a record over the topic's
 *     max.message.bytes 413 (the spec's RequestEntityTooLarge example); Kafka-level codes
 *     (40403 unknown partition, 50003 retriable, 42901 throttled) stay as they are;
 *   - a body that is not JSON is 400 with error_code 400 (Jackson's JsonParseException mapping);
 *   - a retriable failure of the whole request is HTTP 500 with error_code 50003 (rest-utils maps
 *     Kafka's RetriableException to 500; the spec: "Retriable Kafka errors will contain error
 *     code 50003"), where Runnel's other routes answer 503.
 * Everything else keeps Runnel's API.md code.
 */
export class ConfluentError extends RunnelError {
  constructor(
    kind: RunnelError['kind'],
    message: string,
    private readonly httpStatus: number,
    private readonly code: number,
  ) {
    super(kind, message);
  }

  override get status(): number {
    return this.httpStatus;
  }

  override get errorCode(): number {
    return this.code;
  }
}

/** A request or record that is not JSON at all: 400 / 400. */
export const malformedJson = (message: string): RunnelError => new ConfluentError('BAD_REQUEST', message, 400, 400);

/** The error_code a delivery report or a records:batch failure carries for `error`. */
export function reportErrorCode(error: RunnelError): number {
  if (error instanceof ConfluentError) return error.errorCode;
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
  if (error === null || !error.retriable) return 200;
  return error.kind === 'THROTTLED' ? 429 : 500;
}

/** A request-level error of a v3 produce route, with Confluent's status for retriable failures. */
export function asV3ProduceError(error: RunnelError): RunnelError {
  if (error.kind !== 'RETRIABLE' || error instanceof ConfluentError) return error;
  return new ConfluentError('RETRIABLE', error.message, 500, error.errorCode);
}
