import { randomUUID } from 'node:crypto';
import { Prisma } from './generated/sqlite/client';
import {
  AclRecord,
  ApiKeyRecord,
  AuditQuery,
  AuditRecord,
  BrokerConfigScope,
  ListTopicsOptions,
  MetadataStore,
  NewAuditRecord,
  PartitionRecord,
  QuotaEntity,
  QuotaRecord,
  ScramCredentialRecord,
  TopicExistsError,
  TopicNotFoundError,
  TopicRecord,
  UserExistsError,
  UserNotFoundError,
  UserRecord,
} from './metadata-store';
import type { NewMetadataChange } from './postgres/change-log';

/**
 * The Prisma model API both stores query through. The SQLite and PostgreSQL clients are generated
 * from the same models (prisma/models.prisma), so they answer the same calls with the same rows;
 * TypeScript still sees two unrelated types. The queries are typed against the SQLite client's API,
 * the narrower of the two (PostgreSQL adds options such as case-insensitive filters, never used
 * here); the PostgreSQL store converts its client in one place, `postgres-metadata-store.ts`.
 * A client (not in a transaction) is also a MetadataDb.
 */
export type MetadataDb = Prisma.TransactionClient;

/** What one write changes, for the PostgreSQL change log (the SQLite store has none). */
export type ChangesOf<T> = (result: T) => NewMetadataChange[];

export interface WriteOptions<T> {
  /** The write is one statement: a store may run it without a transaction of its own. */
  singleStatement?: boolean;
  changes: ChangesOf<T>;
}

type TopicRow = Prisma.TopicGetPayload<{ include: { configs: true } }>;
type PartitionRow = Prisma.PartitionGetPayload<object>;
type UserRow = Prisma.UserGetPayload<{ include: { credentials: true } }>;

const noChanges = (): NewMetadataChange[] => [];

/** The refusals a write answers as such; every other failure is an operating failure (MetadataWriteError). */
export function isRefusal(error: unknown): boolean {
  return (
    error instanceof TopicExistsError ||
    error instanceof TopicNotFoundError ||
    error instanceof UserExistsError ||
    error instanceof UserNotFoundError
  );
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * MetadataStore over a Prisma client: every query of both stores. A subclass says how to read
 * (`db`) and how to run a write (`write`): in which transaction, what an operating failure turns
 * into, and what happens to the changes each write names (PostgreSQL appends them to the metadata
 * change log in the write's transaction; SQLite, a single node, drops them).
 *
 * Every write that is more than one statement runs inside the `db` that `write` hands it, which is
 * a transaction: the topic, its configs and its partitions appear together or not at all.
 */
export abstract class PrismaMetadataStore implements MetadataStore {
  /** The client reads use (it may change, e.g. after SQLite replaced a broken connection). */
  protected abstract get db(): MetadataDb;

  /**
   * Runs `run` atomically (a single statement may run without an explicit transaction) and
   * records `changes(result)` with it; a refusal (isRefusal) is rethrown as is, any other failure
   * as MetadataWriteError.
   */
  protected abstract write<T>(operation: string, run: (db: MetadataDb) => Promise<T>, options: WriteOptions<T>): Promise<T>;

  abstract close(): Promise<void>;

  async clusterId(): Promise<string> {
    const existing = await this.db.cluster.findUnique({ where: { id: 1 } });
    if (existing) return existing.clusterId;
    // The id is Kafka-shaped: 22 characters of URL-safe base64 of 16 random bytes.
    const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    try {
      const row = await this.db.cluster.upsert({ where: { id: 1 }, create: { id: 1, clusterId }, update: {} });
      return row.clusterId;
    } catch (error) {
      // Another broker of the cluster created it between our read and our insert: take theirs.
      if (!isUniqueViolation(error)) throw error;
      return (await this.db.cluster.findUniqueOrThrow({ where: { id: 1 } })).clusterId;
    }
  }

  async listTopics(options: ListTopicsOptions): Promise<TopicRecord[]> {
    const rows = await this.db.topic.findMany({
      where: {
        ...(options.includeInternal ? {} : { isInternal: false }),
        ...(options.afterName !== undefined ? { name: { gt: options.afterName } } : {}),
      },
      include: { configs: true },
      orderBy: { name: 'asc' },
      take: options.limit,
    });
    return rows.map(toTopicRecord);
  }

  countTopics(): Promise<number> {
    return this.db.topic.count();
  }

  async getTopic(name: string): Promise<TopicRecord | null> {
    const row = await this.db.topic.findUnique({ where: { name }, include: { configs: true } });
    return row ? toTopicRecord(row) : null;
  }

  createTopic(topic: Omit<TopicRecord, 'createdAt'>, partitions: PartitionRecord[]): Promise<TopicRecord> {
    return this.write(`create topic '${topic.name}'`, (db) => insertTopic(db, topic, partitions), {
      singleStatement: true,
      changes: () => [topicChange(topic.name, 'created')],
    });
  }

  async deleteTopic(name: string): Promise<boolean> {
    const result = await this.write(`delete topic '${name}'`, (db) => db.topic.deleteMany({ where: { name } }), {
      singleStatement: true,
      changes: ({ count }) => (count > 0 ? [topicChange(name, 'deleted')] : []),
    });
    return result.count > 0;
  }

  alterTopicConfigs(name: string, set: Record<string, string>, remove: string[]): Promise<TopicRecord> {
    return this.write(`alter the configs of topic '${name}'`, (db) => alterConfigs(db, name, set, remove), {
      changes: () => [topicChange(name, 'configs')],
    });
  }

  addPartitions(name: string, partitions: PartitionRecord[]): Promise<TopicRecord> {
    return this.write(`add partitions to topic '${name}'`, (db) => insertPartitions(db, name, partitions), {
      changes: (topic) => [topicChange(name, 'partitions', { partitionsCount: topic.partitionsCount })],
    });
  }

  async listPartitions(topicName: string): Promise<PartitionRecord[]> {
    const rows = await this.db.partition.findMany({ where: { topicName }, orderBy: { partitionId: 'asc' } });
    return rows.map(toPartitionRecord);
  }

  async dynamicBrokerConfigs(scope: BrokerConfigScope): Promise<Record<string, string>> {
    const rows = await this.db.dynamicBrokerConfig.findMany({ where: { scope: String(scope) } });
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  alterDynamicBrokerConfigs(scope: BrokerConfigScope, set: Record<string, string>, remove: string[]): Promise<Record<string, string>> {
    const key = String(scope);
    const operation = `alter the ${scope === 'default' ? 'cluster-wide' : `broker ${scope}`} configs`;
    return this.write(
      operation,
      async (db) => {
        if (remove.length > 0) await db.dynamicBrokerConfig.deleteMany({ where: { scope: key, name: { in: remove } } });
        for (const [name, value] of Object.entries(set)) {
          await db.dynamicBrokerConfig.upsert({
            where: { scope_name: { scope: key, name } },
            create: { scope: key, name, value },
            update: { value },
          });
        }
        const rows = await db.dynamicBrokerConfig.findMany({ where: { scope: key } });
        return Object.fromEntries(rows.map((row) => [row.name, row.value]));
      },
      { changes: () => [{ kind: 'broker-configs', subject: key }] },
    );
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.user.findMany({ include: { credentials: true }, orderBy: { name: 'asc' } });
    return rows.map(toUserRecord);
  }

  async getUser(name: string): Promise<UserRecord | null> {
    const row = await this.db.user.findUnique({ where: { name }, include: { credentials: true } });
    return row ? toUserRecord(row) : null;
  }

  createUser(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord> {
    return this.write(
      `create user '${name}'`,
      async (db) => {
        try {
          const row = await db.user.create({
            data: { name, credentials: { create: credentials.map((c) => ({ ...c })) } },
            include: { credentials: true },
          });
          return toUserRecord(row);
        } catch (error) {
          if (isUniqueViolation(error)) throw new UserExistsError(name);
          throw error;
        }
      },
      { singleStatement: true, changes: () => [userChange(name, 'created')] },
    );
  }

  setCredentials(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord> {
    return this.write(
      `set the credentials of user '${name}'`,
      async (db) => {
        const exists = await db.user.findUnique({ where: { name }, select: { name: true } });
        if (!exists) throw new UserNotFoundError(name);
        for (const c of credentials) {
          await db.scramCredential.upsert({
            where: { userName_mechanism: { userName: name, mechanism: c.mechanism } },
            create: { userName: name, ...c },
            update: { salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations },
          });
        }
        return toUserRecord(await db.user.findUniqueOrThrow({ where: { name }, include: { credentials: true } }));
      },
      { changes: () => [userChange(name, 'credentials')] },
    );
  }

  async deleteUser(name: string): Promise<boolean> {
    // The user's API keys go with it (cascade): each is named in the change log too, so a
    // broker that caches keys by id drops them without knowing whose they were.
    const keyIds = await this.write(
      `delete user '${name}'`,
      async (db) => {
        const keys = await db.apiKey.findMany({ where: { userName: name }, select: { keyId: true } });
        const { count } = await db.user.deleteMany({ where: { name } });
        return count > 0 ? keys.map((key) => key.keyId) : null;
      },
      {
        changes: (deletedKeys) =>
          deletedKeys === null ? [] : [userChange(name, 'deleted'), ...deletedKeys.map((keyId) => apiKeyChange(keyId, 'deleted'))],
      },
    );
    return keyIds !== null;
  }

  createApiKey(key: Omit<ApiKeyRecord, 'createdAt'>): Promise<ApiKeyRecord> {
    return this.write(
      `create an API key for user '${key.userName}'`,
      async (db) => {
        const exists = await db.user.findUnique({ where: { name: key.userName }, select: { name: true } });
        if (!exists) throw new UserNotFoundError(key.userName);
        return db.apiKey.create({ data: key });
      },
      { changes: () => [apiKeyChange(key.keyId, 'created')] },
    );
  }

  getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
    return this.db.apiKey.findUnique({ where: { keyId } });
  }

  listApiKeys(userName: string): Promise<ApiKeyRecord[]> {
    return this.db.apiKey.findMany({ where: { userName }, orderBy: [{ createdAt: 'asc' }, { keyId: 'asc' }] });
  }

  async deleteApiKey(keyId: string): Promise<boolean> {
    const result = await this.write(`delete API key '${keyId}'`, (db) => db.apiKey.deleteMany({ where: { keyId } }), {
      singleStatement: true,
      changes: ({ count }) => (count > 0 ? [apiKeyChange(keyId, 'deleted')] : []),
    });
    return result.count > 0;
  }

  listAcls(): Promise<AclRecord[]> {
    return this.db.aclBinding.findMany({ orderBy: { id: 'asc' } });
  }

  createAcls(bindings: Omit<AclRecord, 'id'>[]): Promise<AclRecord[]> {
    return this.write(
      'create ACLs',
      async (db) => {
        const created: AclRecord[] = [];
        for (const binding of bindings) {
          created.push(
            await db.aclBinding.upsert({
              where: { resourceType_resourceName_patternType_principal_host_operation_permission: { ...binding } },
              create: { ...binding },
              update: {},
            }),
          );
        }
        return created;
      },
      {
        changes: (acls) =>
          acls.length > 0 ? [{ kind: 'acls', subject: '', payload: { op: 'created', ids: acls.map((acl) => acl.id) } }] : [],
      },
    );
  }

  async deleteAcls(ids: number[]): Promise<AclRecord[]> {
    if (ids.length === 0) return [];
    return this.write(
      'delete ACLs',
      async (db) => {
        const existing = await db.aclBinding.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
        await db.aclBinding.deleteMany({ where: { id: { in: existing.map((row) => row.id) } } });
        return existing;
      },
      {
        changes: (deleted) =>
          deleted.length > 0 ? [{ kind: 'acls', subject: '', payload: { op: 'deleted', ids: deleted.map((acl) => acl.id) } }] : [],
      },
    );
  }

  async listQuotas(): Promise<QuotaRecord[]> {
    const rows = await this.db.quota.findMany({ orderBy: [{ user: 'asc' }, { clientId: 'asc' }, { name: 'asc' }] });
    const byEntity = new Map<string, QuotaRecord>();
    for (const row of rows) {
      const key = JSON.stringify([row.user, row.clientId]);
      let record = byEntity.get(key);
      if (!record) byEntity.set(key, (record = { entity: { user: row.user, clientId: row.clientId }, values: {} }));
      record.values[row.name] = row.value;
    }
    return [...byEntity.values()];
  }

  alterQuotas(entity: QuotaEntity, set: Record<string, number>, remove: string[]): Promise<Record<string, number>> {
    return this.write(
      'alter quotas',
      async (db) => {
        const where = { user: entity.user, clientId: entity.clientId };
        if (remove.length > 0) await db.quota.deleteMany({ where: { ...where, name: { in: remove } } });
        for (const [name, value] of Object.entries(set)) {
          await db.quota.upsert({
            where: { user_clientId_name: { ...where, name } },
            create: { ...where, name, value },
            update: { value },
          });
        }
        const rows = await db.quota.findMany({ where });
        return Object.fromEntries(rows.map((row) => [row.name, row.value]));
      },
      // The subject names the entity without ambiguity ('' and '<default>' are distinct parts).
      { changes: () => [{ kind: 'quotas', subject: JSON.stringify([entity.user, entity.clientId]), payload: { entity } }] },
    );
  }

  async appendAudit(events: NewAuditRecord[]): Promise<void> {
    if (events.length === 0) return;
    // Audit events are history, not state a broker caches: no change-log entry.
    await this.write('append to the audit log', (db) => db.auditEvent.createMany({ data: events }), {
      singleStatement: true,
      changes: noChanges,
    });
  }

  listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const { order, cursor, limit, principal, outcome, operation, resource } = query;
    const id = order === 'asc' ? { gt: cursor } : cursor > 0 ? { lt: cursor } : undefined;
    return this.db.auditEvent.findMany({
      where: { id, principal, outcome, operation, resource },
      orderBy: { id: order },
      take: limit,
    });
  }

  async trimAudit(before: Date): Promise<number> {
    const result = await this.write('trim the audit log', (db) => db.auditEvent.deleteMany({ where: { time: { lt: before } } }), {
      singleStatement: true,
      changes: noChanges,
    });
    return result.count;
  }
}

function topicChange(name: string, op: 'created' | 'deleted' | 'configs' | 'partitions', extra: object = {}): NewMetadataChange {
  return { kind: 'topic', subject: name, payload: { op, ...extra } };
}

function userChange(name: string, op: 'created' | 'credentials' | 'deleted'): NewMetadataChange {
  return { kind: 'users', subject: name, payload: { op } };
}

function apiKeyChange(keyId: string, op: 'created' | 'deleted'): NewMetadataChange {
  return { kind: 'api-keys', subject: keyId, payload: { op } };
}

async function insertTopic(db: MetadataDb, topic: Omit<TopicRecord, 'createdAt'>, partitions: PartitionRecord[]): Promise<TopicRecord> {
  try {
    const row = await db.topic.create({
      data: {
        name: topic.name,
        topicId: topic.topicId,
        partitionsCount: topic.partitionsCount,
        replicationFactor: topic.replicationFactor,
        isInternal: topic.isInternal,
        configs: { create: Object.entries(topic.configs).map(([name, value]) => ({ name, value })) },
        partitions: { create: partitions.map(partitionColumns) },
      },
      include: { configs: true },
    });
    return toTopicRecord(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new TopicExistsError(topic.name);
    throw error;
  }
}

async function insertPartitions(db: MetadataDb, name: string, partitions: PartitionRecord[]): Promise<TopicRecord> {
  const topic = await db.topic.findUnique({ where: { name }, select: { partitionsCount: true } });
  if (!topic) throw new TopicNotFoundError(name);
  await db.partition.createMany({ data: partitions.map((p) => ({ topicName: name, ...partitionColumns(p) })) });
  const row = await db.topic.update({
    where: { name },
    data: { partitionsCount: partitions.reduce((count, p) => Math.max(count, p.partitionId + 1), topic.partitionsCount) },
    include: { configs: true },
  });
  return toTopicRecord(row);
}

function partitionColumns(p: PartitionRecord) {
  return {
    partitionId: p.partitionId,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    partitionEpoch: p.partitionEpoch,
    replicas: JSON.stringify(p.replicas),
    isr: JSON.stringify(p.isr),
  };
}

async function alterConfigs(db: MetadataDb, name: string, set: Record<string, string>, remove: string[]): Promise<TopicRecord> {
  const exists = await db.topic.findUnique({ where: { name }, select: { name: true } });
  if (!exists) throw new TopicNotFoundError(name);
  if (remove.length > 0) await db.topicConfig.deleteMany({ where: { topicName: name, name: { in: remove } } });
  for (const [key, value] of Object.entries(set)) {
    await db.topicConfig.upsert({
      where: { topicName_name: { topicName: name, name: key } },
      create: { topicName: name, name: key, value },
      update: { value },
    });
  }
  return toTopicRecord(await db.topic.findUniqueOrThrow({ where: { name }, include: { configs: true } }));
}

function toTopicRecord(row: TopicRow): TopicRecord {
  return {
    name: row.name,
    topicId: row.topicId,
    partitionsCount: row.partitionsCount,
    replicationFactor: row.replicationFactor,
    isInternal: row.isInternal,
    configs: Object.fromEntries(row.configs.map((c) => [c.name, c.value])),
    createdAt: row.createdAt,
  };
}

function toUserRecord(row: UserRow): UserRecord {
  return {
    name: row.name,
    createdAt: row.createdAt,
    credentials: row.credentials.map(({ mechanism, salt, storedKey, serverKey, iterations }) => ({
      mechanism,
      salt,
      storedKey,
      serverKey,
      iterations,
    })),
  };
}

function toPartitionRecord(row: PartitionRow): PartitionRecord {
  return {
    topicName: row.topicName,
    partitionId: row.partitionId,
    leader: row.leader,
    leaderEpoch: row.leaderEpoch,
    partitionEpoch: row.partitionEpoch,
    replicas: JSON.parse(row.replicas) as number[],
    isr: JSON.parse(row.isr) as number[],
  };
}
