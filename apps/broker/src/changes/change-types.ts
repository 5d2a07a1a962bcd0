/**
 * The deltas of the metadata change stream (contracts §2, docs/websocket.md "Watching metadata
 * changes"), as they go out in a `changes` frame. A delta says what changed and the state after
 * it; it never carries more than a list row needs, so a console updates its lists by deltas.
 */

/** What a watch may name: each is a kind of resource whose changes it hears. */
export const WATCH_RESOURCES = ['topics', 'groups', 'acls'] as const;
export type WatchResource = (typeof WATCH_RESOURCES)[number];

export type ChangeOp = 'created' | 'updated' | 'deleted';

export interface TopicDelta {
  resource: 'topic';
  op: ChangeOp;
  name: string;
  /** Absent on `deleted`. */
  partitions_count?: number;
  /** Epoch ms of the change. */
  at: number;
}

export interface GroupDelta {
  resource: 'group';
  op: ChangeOp;
  name: string;
  /** Absent on `deleted`. */
  state?: string;
  members?: number;
  at: number;
}

/** The AclData fields of a binding (Confluent's names), without `metadata.self`. */
export interface AclDeltaBinding {
  kind: 'KafkaAcl';
  cluster_id: string;
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export interface AclDelta {
  resource: 'acl';
  op: 'created' | 'deleted';
  binding: AclDeltaBinding;
  at: number;
}

export type ChangeDelta = TopicDelta | GroupDelta | AclDelta;

/** The key under which a watcher's pending deltas coalesce: one entry per resource instance. */
export function deltaKey(delta: ChangeDelta): string {
  if (delta.resource !== 'acl') return `${delta.resource}\0${delta.name}`;
  const b = delta.binding;
  return ['acl', b.resource_type, b.resource_name, b.pattern_type, b.principal, b.host, b.operation, b.permission].join('\0');
}
