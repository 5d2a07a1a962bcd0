import { randomBytes, randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { Prisma, PrismaClient } from '../generated/postgres/client';
import { TopicNotFoundError } from '../metadata-store';
import { appendChanges, METADATA_CHANNEL, NewMetadataChange } from '../postgres/change-log';
import { applyPostgresMigrations } from '../postgres/migrate';
import { patchPgNameColumns } from '../postgres/pg-name-columns';
import {
  AlterPartitionError,
  AlterPartitionOutcome,
  AlterPartitionRequest,
  BrokerIdInUseError,
  BrokerRegistration,
  BrokerState,
  ClusterStore,
  ControllerLeaseState,
  MetadataChangeRecord,
  NewBrokerRegistration,
  NotControllerError,
  PartitionState,
  PartitionUpdate,
  PartitionUpdateOutcome,
} from './cluster-store';
import { MAX_REPLICAS, sameList, validateAlterPartition } from './partition-change-rules';
import { InvalidReassignmentError, startReassignment, validateReassignmentTarget } from './reassignment';

/** The partition id is not one of the topic's partitions. */
export class PartitionNotFoundError extends Error {
  override readonly name = 'PartitionNotFoundError';
  constructor(
    readonly topicName: string,
    readonly partitionId: number,
  ) {
    super(`topic '${topicName}' has no partition ${partitionId}`);
  }
}

export interface PostgresClusterStoreOptions {
  /** Connections of the Prisma pool (LISTEN uses one more per listener). Default 5. */
  poolMax?: number;
  /** Reports listener reconnects; never given secrets. */
  log?: { warn(message: string): void };
}

/** Bounds on what one call may carry (STYLE.md: a limit on everything). */
const MAX_UPDATES_PER_CALL = 10_000;
const MAX_CHANGES_PER_READ = 10_000;
const LISTEN_BACKOFF_MS = { first: 100, max: 5_000 };
/** Interactive transactions wait for row locks held by other brokers: bounded, but not as tight as Prisma's 2 s / 5 s. */
const TX_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

/**
 * The database's clock as a UTC wall time, the form the `timestamp(3)` columns hold. Every lease
 * is written and judged with it, never with a broker's clock. `clock_timestamp()` rather than
 * `now()` (the transaction's start): a grant from it ends no earlier than one from the start, and
 * a check after waiting for a row lock judges the lease as it is when the lock is held.
 */
const DB_NOW = Prisma.sql`(clock_timestamp() AT TIME ZONE 'UTC')`;
const leaseEnd = (leaseMs: number) => Prisma.sql`(${DB_NOW} + ${assertLeaseMs(leaseMs)} * interval '1 millisecond')`;

interface BrokerRow {
  id: number;
  epoch: number;
  incarnation_id: string;
  host: string;
  inter_broker_port: number;
  advertised_url: string;
  rack: string | null;
  state: string;
  lease_expires_at: Date;
  alive: boolean;
}

interface ControllerRow {
  broker_id: number;
  epoch: number;
  lease_expires_at: Date;
  alive: boolean;
}

interface PartitionRow {
  topic_name: string;
  partition_id: number;
  leader: number;
  leader_epoch: number;
  partition_epoch: number;
  replicas: string;
  isr: string;
  leader_recovery_state: number;
  adding_replicas: string;
  removing_replicas: string;
}

/**
 * ClusterStore on PostgreSQL (contracts §2): every method is one transaction through Prisma on the
 * `@prisma/adapter-pg` pool; `listen` alone holds a plain `pg` Client (LISTEN needs a dedicated
 * session). Row locks order the writers: the `broker` row for registrations, the single
 * `controller_lease` row (id 1) for the controller lease and every controller write, the
 * `partition` row for AlterPartition and reassignments, and `metadata_log_head` for the change log
 * (appendChanges), so a change's seq order is its commit order.
 *
 * Leases are `lease_expires_at` written as the database's clock + leaseMs and judged as
 * `lease_expires_at > <database clock>`: brokers' clocks are never compared.
 */
export class PostgresClusterStore implements ClusterStore {
  private readonly listeners = new Set<() => Promise<void>>();

  private constructor(
    private readonly url: string,
    private readonly prisma: PrismaClient,
    private readonly log: { warn(message: string): void },
  ) {}

  static async open(url: string, options: PostgresClusterStoreOptions = {}): Promise<PostgresClusterStore> {
    patchPgNameColumns();
    await applyPostgresMigrations(url);
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: options.poolMax ?? 5 }) });
    await prisma.$connect();
    return new PostgresClusterStore(url, prisma, options.log ?? { warn: () => undefined });
  }

  async now(): Promise<Date> {
    const rows = await this.prisma.$queryRaw<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    return rows[0].now;
  }

  async interBrokerSecret(): Promise<string> {
    // One statement: two brokers asking at once both get the secret that won the insert.
    const secret = randomBytes(32).toString('base64url');
    const rows = await this.prisma.$queryRaw<{ secret: string }[]>`
      INSERT INTO cluster (id, cluster_id, inter_broker_secret) VALUES (1, ${newClusterId()}, ${secret})
      ON CONFLICT (id) DO UPDATE SET inter_broker_secret =
        CASE WHEN cluster.inter_broker_secret = '' THEN EXCLUDED.inter_broker_secret ELSE cluster.inter_broker_secret END
      RETURNING inter_broker_secret AS secret`;
    return rows[0].secret;
  }

  async registerBroker(broker: NewBrokerRegistration, leaseMs: number): Promise<BrokerRegistration> {
    assertBrokerId(broker.brokerId);
    const { host, port } = splitAddress(broker.interBrokerAddress);
    return this.prisma.$transaction(async (tx) => {
      // A first registration inserts a placeholder (epoch 0, lease long expired) so that the row lock below serializes racing registrations.
      await tx.$executeRaw`
        INSERT INTO broker (id, epoch, incarnation_id, host, inter_broker_port, advertised_url, rack, state, lease_expires_at)
        VALUES (${broker.brokerId}, 0, '', '', 0, '', NULL, 'STOPPED', TIMESTAMP '1970-01-01')
        ON CONFLICT (id) DO NOTHING`;
      const [current] = await tx.$queryRaw<BrokerRow[]>`
        SELECT *, lease_expires_at > ${DB_NOW} AS alive FROM broker WHERE id = ${broker.brokerId} FOR UPDATE`;
      // A cleanly stopped broker gave its lease up; a crashed one holds it until it expires.
      if (current.alive && current.incarnation_id !== broker.incarnationId && current.state !== 'STOPPED') {
        throw new BrokerIdInUseError(broker.brokerId);
      }
      const [row] = await tx.$queryRaw<BrokerRow[]>`
        UPDATE broker SET epoch = epoch + 1, incarnation_id = ${broker.incarnationId}, host = ${host}, inter_broker_port = ${port},
          advertised_url = ${broker.advertisedUrl}, rack = ${broker.rack}, state = 'RUNNING', lease_expires_at = ${leaseEnd(leaseMs)},
          registered_at = ${DB_NOW}
        WHERE id = ${broker.brokerId}
        RETURNING *, lease_expires_at > ${DB_NOW} AS alive`;
      const changes: NewMetadataChange[] = [
        { kind: 'broker', subject: String(broker.brokerId), payload: { epoch: row.epoch, state: 'RUNNING' } },
      ];
      // The previous incarnation's controller lease ends here: the new one must take it with a new epoch,
      // so nothing the old process still sends with the old epoch is accepted.
      const expired = await tx.$executeRaw`
        UPDATE controller_lease SET lease_expires_at = ${DB_NOW} - interval '1 millisecond'
        WHERE id = 1 AND broker_id = ${broker.brokerId} AND lease_expires_at > ${DB_NOW}`;
      if (expired > 0) changes.push({ kind: 'controller', subject: '', payload: { brokerId: broker.brokerId, resigned: true } });
      await appendChanges(tx, changes);
      return toBroker(row);
    }, TX_OPTIONS);
  }

  async heartbeat(brokerId: number, epoch: number, leaseMs: number): Promise<boolean> {
    const updated = await this.prisma.$executeRaw`
      UPDATE broker SET lease_expires_at = ${leaseEnd(leaseMs)} WHERE id = ${brokerId} AND epoch = ${epoch}`;
    return updated > 0;
  }

  async setBrokerState(brokerId: number, epoch: number, state: BrokerState): Promise<boolean> {
    if (!['RUNNING', 'CONTROLLED_SHUTDOWN', 'STOPPED'].includes(state)) throw new RangeError(`unknown broker state ${String(state)}`);
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.$executeRaw`UPDATE broker SET state = ${state} WHERE id = ${brokerId} AND epoch = ${epoch}`;
      if (updated === 0) return false;
      await appendChanges(tx, [{ kind: 'broker', subject: String(brokerId), payload: { epoch, state } }]);
      return true;
    }, TX_OPTIONS);
  }

  async brokers(): Promise<BrokerRegistration[]> {
    // Placeholders of a registration that rolled back never commit; epoch 0 rows are not brokers.
    const rows = await this.prisma.$queryRaw<BrokerRow[]>`
      SELECT *, lease_expires_at > ${DB_NOW} AS alive FROM broker WHERE epoch > 0 ORDER BY id`;
    return rows.map(toBroker);
  }

  async acquireOrRenewController(brokerId: number, brokerEpoch: number, leaseMs: number): Promise<ControllerLeaseState | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO controller_lease (id, broker_id, epoch, lease_expires_at) VALUES (1, -1, 0, TIMESTAMP '1970-01-01')
        ON CONFLICT (id) DO NOTHING`;
      const [lease] = await tx.$queryRaw<ControllerRow[]>`
        SELECT broker_id, epoch, lease_expires_at, lease_expires_at > ${DB_NOW} AS alive FROM controller_lease WHERE id = 1 FOR UPDATE`;
      const holds = lease.broker_id === brokerId && lease.alive;
      if (lease.alive && !holds) return null;
      // Only a current incarnation with a live lease may hold it (checked under the controller row lock).
      const [broker] = await tx.$queryRaw<{ epoch: number; state: string; alive: boolean }[]>`
        SELECT epoch, state, lease_expires_at > ${DB_NOW} AS alive FROM broker WHERE id = ${brokerId}`;
      const eligible = broker !== undefined && broker.epoch === brokerEpoch && broker.alive && broker.state !== 'STOPPED';
      if (!eligible || (!holds && broker.state !== 'RUNNING')) return null;
      if (holds) {
        const [renewed] = await tx.$queryRaw<ControllerRow[]>`
          UPDATE controller_lease SET lease_expires_at = ${leaseEnd(leaseMs)} WHERE id = 1
          RETURNING broker_id, epoch, lease_expires_at, lease_expires_at > ${DB_NOW} AS alive`;
        return toController(renewed);
      }
      // Vacant or expired (also when this broker held it before): a new tenure, so a new epoch.
      const [taken] = await tx.$queryRaw<ControllerRow[]>`
        UPDATE controller_lease SET broker_id = ${brokerId}, epoch = epoch + 1, lease_expires_at = ${leaseEnd(leaseMs)} WHERE id = 1
        RETURNING broker_id, epoch, lease_expires_at, lease_expires_at > ${DB_NOW} AS alive`;
      await appendChanges(tx, [{ kind: 'controller', subject: '', payload: { brokerId, epoch: taken.epoch } }]);
      return toController(taken);
    }, TX_OPTIONS);
  }

  async resignController(brokerId: number, epoch: number): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const updated = await tx.$executeRaw`
        UPDATE controller_lease SET lease_expires_at = ${DB_NOW} - interval '1 millisecond'
        WHERE id = 1 AND broker_id = ${brokerId} AND epoch = ${epoch} AND lease_expires_at > ${DB_NOW}`;
      if (updated > 0) await appendChanges(tx, [{ kind: 'controller', subject: '', payload: { brokerId, epoch, resigned: true } }]);
    }, TX_OPTIONS);
  }

  async controller(): Promise<ControllerLeaseState | null> {
    const rows = await this.prisma.$queryRaw<ControllerRow[]>`
      SELECT broker_id, epoch, lease_expires_at, lease_expires_at > ${DB_NOW} AS alive FROM controller_lease WHERE id = 1 AND broker_id >= 0`;
    return rows.length === 0 ? null : toController(rows[0]);
  }

  async partitions(topicName?: string): Promise<PartitionState[]> {
    const rows =
      topicName === undefined
        ? await this.prisma.$queryRaw<PartitionRow[]>`SELECT * FROM "partition" ORDER BY topic_name, partition_id`
        : await this.prisma.$queryRaw<PartitionRow[]>`SELECT * FROM "partition" WHERE topic_name = ${topicName} ORDER BY partition_id`;
    return rows.map(toPartition);
  }

  async updatePartitions(controllerId: number, controllerEpoch: number, updates: PartitionUpdate[]): Promise<PartitionUpdateOutcome[]> {
    if (updates.length > MAX_UPDATES_PER_CALL) throw new RangeError(`at most ${MAX_UPDATES_PER_CALL} partition updates per call`);
    for (const update of updates) assertState(update.next, `update of ${update.topicName}-${update.partitionId}`);
    return this.prisma.$transaction(async (tx) => {
      const [lease] = await tx.$queryRaw<ControllerRow[]>`
        SELECT broker_id, epoch, lease_expires_at, lease_expires_at > ${DB_NOW} AS alive FROM controller_lease WHERE id = 1 FOR UPDATE`;
      if (!lease || lease.broker_id !== controllerId || lease.epoch !== controllerEpoch || !lease.alive) {
        throw new NotControllerError(controllerId, controllerEpoch);
      }
      const outcomes: PartitionUpdateOutcome[] = [];
      const changes: NewMetadataChange[] = [];
      for (const update of updates) {
        const next = update.next;
        const [row] = await tx.$queryRaw<PartitionRow[]>`
          UPDATE "partition" SET leader = ${next.leader}, leader_epoch = ${next.leaderEpoch}, partition_epoch = partition_epoch + 1,
            replicas = ${JSON.stringify(next.replicas)}, isr = ${JSON.stringify(next.isr)},
            leader_recovery_state = ${next.leaderRecoveryState},
            adding_replicas = ${JSON.stringify(next.addingReplicas)}, removing_replicas = ${JSON.stringify(next.removingReplicas)}
          WHERE topic_name = ${update.topicName} AND partition_id = ${update.partitionId}
            AND leader_epoch = ${update.expected.leaderEpoch} AND partition_epoch = ${update.expected.partitionEpoch}
          RETURNING *`;
        if (row) {
          outcomes.push({ applied: true, state: toPartition(row) });
          changes.push(partitionChange(row));
          continue;
        }
        const exists = await tx.$queryRaw<unknown[]>`
          SELECT 1 FROM "partition" WHERE topic_name = ${update.topicName} AND partition_id = ${update.partitionId}`;
        outcomes.push({ applied: false, reason: exists.length > 0 ? 'STALE_EPOCH' : 'UNKNOWN_PARTITION' });
      }
      await appendChanges(tx, changes);
      return outcomes;
    }, TX_OPTIONS);
  }

  async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const fail = (error: AlterPartitionError): AlterPartitionOutcome => ({ ok: false, error });
      const [leaderBroker] = await tx.$queryRaw<BrokerRow[]>`
        SELECT *, lease_expires_at > ${DB_NOW} AS alive FROM broker WHERE id = ${request.brokerId}`;
      if (!leaderBroker || leaderBroker.epoch !== request.brokerEpoch || !leaderBroker.alive) return fail('STALE_BROKER_EPOCH');
      const [row] = await tx.$queryRaw<PartitionRow[]>`
        SELECT * FROM "partition" WHERE topic_name = ${request.topicName} AND partition_id = ${request.partitionId} FOR UPDATE`;
      if (!row) return fail('UNKNOWN_TOPIC_OR_PARTITION');
      const current = toPartition(row);
      const brokerIds = [...new Set(request.newIsr.map((member) => member.brokerId))].slice(0, MAX_REPLICAS);
      const members =
        brokerIds.length === 0
          ? []
          : await tx.$queryRaw<BrokerRow[]>`
        SELECT *, lease_expires_at > ${DB_NOW} AS alive FROM broker WHERE id IN (${Prisma.join(brokerIds)})`;
      const error = validateAlterPartition(current, request, new Map(members.map((member) => [member.id, member])));
      if (error) return fail(error);
      const newIsr = request.newIsr.map((member) => member.brokerId);
      if (sameList(newIsr, current.isr) && request.leaderRecoveryState === current.leaderRecoveryState) return { ok: true, state: current };
      const [updated] = await tx.$queryRaw<PartitionRow[]>`
        UPDATE "partition" SET isr = ${JSON.stringify(newIsr)}, leader_recovery_state = ${request.leaderRecoveryState},
          partition_epoch = partition_epoch + 1
        WHERE topic_name = ${request.topicName} AND partition_id = ${request.partitionId}
        RETURNING *`;
      await appendChanges(tx, [partitionChange(updated)]);
      return { ok: true, state: toPartition(updated) };
    }, TX_OPTIONS);
  }

  async reassignPartition(topicName: string, partitionId: number, target: number[] | null): Promise<PartitionState> {
    if (target !== null) validateReassignmentTarget(target);
    return this.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<PartitionRow[]>`
        SELECT * FROM "partition" WHERE topic_name = ${topicName} AND partition_id = ${partitionId} FOR UPDATE`;
      if (!row) {
        const topic = await tx.$queryRaw<unknown[]>`SELECT 1 FROM topic WHERE name = ${topicName}`;
        throw topic.length === 0 ? new TopicNotFoundError(topicName) : new PartitionNotFoundError(topicName, partitionId);
      }
      const current = toPartition(row);
      if (target !== null) {
        const registered = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM broker WHERE epoch > 0 AND id IN (${Prisma.join(target)})`;
        const known = new Set(registered.map((broker) => broker.id));
        const unknown = target.filter((id) => !known.has(id));
        if (unknown.length > 0) throw new InvalidReassignmentError(`brokers ${unknown.join(', ')} are not registered`);
      }
      const next = startReassignment(current, target);
      const unchanged =
        sameList(next.replicas, current.replicas) &&
        sameList(next.addingReplicas, current.addingReplicas) &&
        sameList(next.removingReplicas, current.removingReplicas);
      if (unchanged) return current;
      const [updated] = await tx.$queryRaw<PartitionRow[]>`
        UPDATE "partition" SET leader = ${next.leader}, leader_epoch = ${next.leaderEpoch}, partition_epoch = partition_epoch + 1,
          replicas = ${JSON.stringify(next.replicas)}, isr = ${JSON.stringify(next.isr)},
          adding_replicas = ${JSON.stringify(next.addingReplicas)}, removing_replicas = ${JSON.stringify(next.removingReplicas)}
        WHERE topic_name = ${topicName} AND partition_id = ${partitionId}
        RETURNING *`;
      await appendChanges(tx, [partitionChange(updated)]);
      return toPartition(updated);
    }, TX_OPTIONS);
  }

  async changesAfter(afterSeq: number, limit: number): Promise<MetadataChangeRecord[]> {
    const take = Math.max(1, Math.min(Math.floor(limit), MAX_CHANGES_PER_READ));
    const rows = await this.prisma.$queryRaw<{ seq: number; time: Date; kind: string; subject: string; payload: string }[]>`
      SELECT seq, time, kind, subject, payload FROM metadata_change WHERE seq > ${Math.floor(afterSeq)} ORDER BY seq LIMIT ${take}`;
    return rows.map((row) => ({
      seq: Number(row.seq),
      time: row.time,
      kind: row.kind,
      subject: row.subject,
      payload: parseJson(row.payload),
    }));
  }

  async lastSeq(): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ seq: number }[]>`SELECT seq FROM metadata_log_head WHERE id = 1`;
    return rows.length === 0 ? 0 : Number(rows[0].seq);
  }

  async listen(wake: () => void): Promise<() => Promise<void>> {
    let client: Client | undefined;
    let stopped = false;
    let backoffMs = LISTEN_BACKOFF_MS.first;
    let retry: NodeJS.Timeout | undefined;
    const safeWake = (): void => {
      try {
        wake();
      } catch (error) {
        this.log.warn(`metadata change listener threw: ${errorText(error)}`);
      }
    };
    const connect = async (): Promise<void> => {
      const next = new Client({ connectionString: this.url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
      // Errors after connect arrive as events; without a handler they would crash the process.
      next.on('error', () => undefined);
      next.on('notification', (message) => {
        if (message.channel === METADATA_CHANNEL) safeWake();
      });
      next.on('end', () => {
        if (stopped || client !== next) return;
        client = undefined;
        this.log.warn('metadata change listener lost its PostgreSQL connection; reconnecting');
        scheduleReconnect();
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${METADATA_CHANNEL}`);
      } catch (error) {
        await next.end().catch(() => undefined);
        throw error;
      }
      if (stopped) await next.end().catch(() => undefined);
      else client = next;
    };
    const scheduleReconnect = (): void => {
      if (stopped) return;
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(
          () => {
            backoffMs = LISTEN_BACKOFF_MS.first;
            // Changes committed while disconnected sent no NOTIFY to this session.
            safeWake();
          },
          (error: unknown) => {
            if (stopped) return;
            this.log.warn(`metadata change listener could not reconnect: ${errorText(error)}`);
            backoffMs = Math.min(backoffMs * 2, LISTEN_BACKOFF_MS.max);
            scheduleReconnect();
          },
        );
      }, backoffMs);
      retry.unref?.();
    };
    await connect();
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      this.listeners.delete(stop);
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    };
    this.listeners.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners].map((stop) => stop()));
    await this.prisma.$disconnect();
  }
}

function partitionChange(row: PartitionRow): NewMetadataChange {
  return {
    kind: 'partition',
    subject: row.topic_name,
    payload: { partition: row.partition_id, leader: row.leader, leaderEpoch: row.leader_epoch, partitionEpoch: row.partition_epoch },
  };
}

function toBroker(row: BrokerRow): BrokerRegistration {
  return {
    brokerId: row.id,
    epoch: row.epoch,
    incarnationId: row.incarnation_id,
    interBrokerAddress: `${row.host}:${row.inter_broker_port}`,
    advertisedUrl: row.advertised_url,
    rack: row.rack,
    state: row.state as BrokerState,
    alive: row.alive,
    leaseExpiresAt: row.lease_expires_at,
  };
}

function toController(row: ControllerRow): ControllerLeaseState {
  return { brokerId: row.broker_id, epoch: row.epoch, alive: row.alive, leaseExpiresAt: row.lease_expires_at };
}

function toPartition(row: PartitionRow): PartitionState {
  return {
    topicName: row.topic_name,
    partitionId: row.partition_id,
    leader: row.leader,
    leaderEpoch: row.leader_epoch,
    partitionEpoch: row.partition_epoch,
    replicas: parseIds(row.replicas),
    isr: parseIds(row.isr),
    leaderRecoveryState: row.leader_recovery_state === 1 ? 1 : 0,
    addingReplicas: parseIds(row.adding_replicas),
    removingReplicas: parseIds(row.removing_replicas),
  };
}

function parseIds(text: string): number[] {
  const value = parseJson(text);
  if (!Array.isArray(value) || !value.every((id) => Number.isSafeInteger(id)))
    throw new Error(`corrupt replica list in the partition table: ${text}`);
  return value as number[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Invariants of a controller's update: a bug in the caller, never an operating condition. */
function assertState(next: PartitionUpdate['next'], what: string): void {
  const ids = (list: unknown) =>
    Array.isArray(list) && list.length <= MAX_REPLICAS && list.every((id) => Number.isSafeInteger(id) && id >= 0);
  if (!ids(next.replicas) || !ids(next.isr) || !ids(next.addingReplicas) || !ids(next.removingReplicas)) {
    throw new RangeError(`${what}: replica lists must hold broker ids`);
  }
  if (next.leader !== -1 && !next.replicas.includes(next.leader)) throw new RangeError(`${what}: leader ${next.leader} is not a replica`);
  if (!Number.isSafeInteger(next.leaderEpoch) || next.leaderEpoch < 0) throw new RangeError(`${what}: bad leader epoch`);
  if (next.leaderRecoveryState !== 0 && next.leaderRecoveryState !== 1) throw new RangeError(`${what}: bad leader recovery state`);
}

function assertBrokerId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0 || id > 2 ** 31 - 1) throw new RangeError(`broker id ${id} is not a non-negative 32-bit integer`);
}

function assertLeaseMs(leaseMs: number): number {
  if (!Number.isSafeInteger(leaseMs) || leaseMs <= 0 || leaseMs > 3_600_000)
    throw new RangeError(`lease of ${leaseMs} ms is not 1..3600000`);
  return leaseMs;
}

/** "host:port" (IPv6 hosts in brackets) → host and port. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`inter-broker address '${address}' is not host:port`);
  }
  return { host, port };
}

/** Kafka-shaped cluster id, as the SQLite store makes it: 22 characters of URL-safe base64 of 16 random bytes. */
function newClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
