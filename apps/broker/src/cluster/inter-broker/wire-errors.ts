import { OffsetOutOfRangeError } from '@runnel/log';
import { ProtocolError, asOffset, type ProtocolErrorCode } from '@runnel/protocol';
import { PartitionOffsetOutOfRangeError, ReplicationError, type ReplicationErrorCode } from '@runnel/replication';
import { RunnelError, toApiError, type ErrorKind } from '../../common/errors';
import { FrameError } from './frame';

/**
 * How a failure crosses the inter-broker channel: by type and code, never by message parsing, so
 * the forwarding broker rethrows what the leader threw (a `ReplicationError`, an offset out of
 * range, an invalid batch, or an API error kind) and every transport answers a client exactly as
 * if the partition were local. Anything else is mapped by `toApiError` on the leader first (which
 * logs bugs there, with their stack, and sends only "Internal server error").
 */
export type WireError =
  | { type: 'replication'; code: ReplicationErrorCode; topic: string; partition: number; message: string }
  | {
      type: 'offset-out-of-range';
      topic: string;
      partition: number;
      requestedOffset: number;
      logStartOffset: number;
      logEndOffset: number;
      highWatermark: number;
    }
  | { type: 'protocol'; code: ProtocolErrorCode; message: string }
  | { type: 'range'; message: string }
  | {
      type: 'api';
      kind: ErrorKind;
      message: string;
      fields?: Record<string, unknown>;
      validationErrors?: string[];
      retryAfterSeconds?: number;
    };

export function errorToWire(error: unknown): WireError {
  if (error instanceof ReplicationError) {
    return { type: 'replication', code: error.code, topic: error.topic, partition: error.partition, message: messageOf(error) };
  }
  if (error instanceof PartitionOffsetOutOfRangeError) {
    return {
      type: 'offset-out-of-range',
      topic: error.topic,
      partition: error.partition,
      requestedOffset: error.requestedOffset,
      logStartOffset: error.logStartOffset,
      logEndOffset: error.logEndOffset,
      highWatermark: error.highWatermark,
    };
  }
  if (error instanceof ProtocolError) return { type: 'protocol', code: error.code, message: error.message };
  if (error instanceof RangeError) return { type: 'range', message: error.message };
  if (error instanceof FrameError) return { type: 'api', kind: 'BAD_REQUEST', message: `Malformed inter-broker request: ${error.message}` };
  const api = toApiError(error);
  return {
    type: 'api',
    kind: api.kind,
    message: api.message,
    fields: api.extra.fields,
    validationErrors: api.extra.validationErrors,
    retryAfterSeconds: api.extra.retryAfterSeconds,
  };
}

export function errorFromWire(wire: WireError): Error {
  switch (wire.type) {
    case 'replication': {
      const error = new ReplicationError(wire.code, wire.topic, wire.partition, '');
      // Keep the leader's full message (it already starts with the code).
      error.message = wire.message;
      return error;
    }
    case 'offset-out-of-range':
      return new PartitionOffsetOutOfRangeError(
        wire.topic,
        wire.partition,
        new OffsetOutOfRangeError(wire.requestedOffset, asOffset(wire.logStartOffset), asOffset(wire.logEndOffset)),
        asOffset(wire.highWatermark),
      );
    case 'protocol':
      return new ProtocolError(wire.code, wire.message);
    case 'range':
      return new RangeError(wire.message);
    case 'api':
      return new RunnelError(wire.kind, wire.message, {
        fields: wire.fields,
        validationErrors: wire.validationErrors,
        retryAfterSeconds: wire.retryAfterSeconds,
      });
    default:
      return new RunnelError('INTERNAL', 'Internal server error');
  }
}

function messageOf(error: Error): string {
  return error.message;
}
