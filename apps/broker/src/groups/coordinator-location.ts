import { RunnelError } from '../common/errors';

/**
 * Where a consumer group's coordinator runs: the broker leading the group's partition of
 * `__consumer_offsets` (murmur2(group id) mod partitions, as Kafka places groups). `url` is that
 * broker's advertised public URL (null while it has not announced one).
 */
export interface CoordinatorLocation {
  brokerId: number;
  url: string | null;
  /** This broker coordinates the group now (its partition is led here and loaded). */
  local: boolean;
}

/** The `coordinator` field of a NOT_COORDINATOR answer (HTTP body and WebSocket error frame alike). */
export interface CoordinatorField {
  broker_id: number;
  url: string | null;
}

/**
 * Kafka's NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS: retriable (50003), naming the broker
 * that coordinates the group when one is known, so a client (or the broker it called) goes there.
 */
export function notCoordinator(groupId: string, message: string, location: CoordinatorLocation | null): RunnelError {
  const fields: Record<string, unknown> = {
    coordinator: location ? ({ broker_id: location.brokerId, url: location.url } satisfies CoordinatorField) : null,
  };
  return new RunnelError('RETRIABLE', `group '${groupId}': ${message}`, { fields });
}

/** The coordinator named by a NOT_COORDINATOR error, if `error` is one that names it. */
export function coordinatorNamedBy(error: unknown): CoordinatorField | undefined {
  if (!(error instanceof RunnelError) || error.kind !== 'RETRIABLE') return undefined;
  const field = error.extra.fields?.coordinator as CoordinatorField | null | undefined;
  return field && typeof field.broker_id === 'number' ? field : undefined;
}
