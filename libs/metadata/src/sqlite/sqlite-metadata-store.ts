import { randomUUID } from 'node:crypto';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { Prisma, PrismaClient } from '../generated/sqlite/client';
import {
  AclRecord,
  ApiKeyRecord,
  AuditQuery,
  AuditRecord,
  BrokerConfigScope,
  NewAuditRecord,
  QuotaEntity,
  QuotaRecord,
  ScramCredentialRecord,
  UserExistsError,
  UserNotFoundError,
  UserRecord,
  ListTopicsOptions,
  MetadataStore,
  MetadataWriteError,
  PartitionRecord,
  TopicExistsError,
  TopicNotFoundError,
  TopicRecord,
} from '../metadata-store';
import { applySqliteMigrations } from './migrate';

type TopicRow = Prisma.TopicGetPayload<{ include: { configs: true } }>;
type PartitionRow = Prisma.PartitionGetPayload<object>;
type UserRow = Prisma.UserGetPayload<{ include: { credentials: true } }>;

/**
 * MetadataStore on an embedded SQLite file (`<data dir>/meta.db`), migrated on open.
 *
 * A write that fails for an operating reason (SQLITE_FULL on a full disk, I/O errors) throws
 * MetadataWriteError and replaces the connection: when SQLite's COMMIT fails, Prisma takes the
 * transaction as committed and never releases the better-sqlite3 adapter's transaction mutex
 * (nor rolls back), so every later write on that client would wait forever. Closing the
 * connection rolls the failed transaction back; the next write uses a fresh one.
 */
export class SqliteMetadataStore implements MetadataStore {
  private constructor(
    private readonly dbFile: string,
    private prisma: PrismaClient,
  ) {}

  static async open(dbFile: string): Promise<SqliteMetadataStore> {
    applySqliteMigrations(dbFile);
    const prisma = SqliteMetadataStore.connect(dbFile);
    await prisma.$connect();
    return new SqliteMetadataStore(dbFile, prisma);
  }

  private static connect(dbFile: string): PrismaClient {
    return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
  }

  /** Runs a write; an unexpected failure replaces the connection (see above) and is rethrown typed. */
  private async write<T>(operation: string, run: (prisma: PrismaClient) => Promise<T>): Promise<T> {
    try {
      return await run(this.prisma);
    } catch (error) {
      if (
        error instanceof TopicExistsError ||
        error instanceof TopicNotFoundError ||
        error instanceof UserExistsError ||
        error instanceof UserNotFoundError
      ) {
        throw error;
      }
      const broken = this.prisma;
      this.prisma = SqliteMetadataStore.connect(this.dbFile);
      await broken.$disconnect().catch(() => undefined);
      throw new MetadataWriteError(operation, error);
    }
  }

  async clusterId(): Promise<string> {
    const existing = await this.prisma.cluster.findUnique({ where: { id: 1 } });
    if (existing) return existing.clusterId;
    // The id is Kafka-shaped: 22 characters of URL-safe base64 of 16 random bytes.
    const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    const row = await this.prisma.cluster.upsert({ where: { id: 1 }, create: { id: 1, clusterId }, update: {} });
    return row.clusterId;
  }

  async listTopics(options: ListTopicsOptions): Promise<TopicRecord[]> {
    const rows = await this.prisma.topic.findMany({
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
    return this.prisma.topic.count();
  }

  async getTopic(name: string): Promise<TopicRecord | null> {
    const row = await this.prisma.topic.findUnique({ where: { name }, include: { configs: true } });
    return row ? toTopicRecord(row) : null;
  }

  async createTopic(topic: Omit<TopicRecord, 'createdAt'>, partitions: PartitionRecord[]): Promise<TopicRecord> {
    return this.write(`create topic '${topic.name}'`, (prisma) => insertTopic(prisma, topic, partitions));
  }

  async deleteTopic(name: string): Promise<boolean> {
    const result = await this.write(`delete topic '${name}'`, (prisma) => prisma.topic.deleteMany({ where: { name } }));
    return result.count > 0;
  }

  async alterTopicConfigs(name: string, set: Record<string, string>, remove: string[]): Promise<TopicRecord> {
    return this.write(`alter the configs of topic '${name}'`, (prisma) => alterConfigs(prisma, name, set, remove));
  }

  async addPartitions(name: string, partitions: PartitionRecord[]): Promise<TopicRecord> {
    return this.write(`add partitions to topic '${name}'`, (prisma) => insertPartitions(prisma, name, partitions));
  }

  async listPartitions(topicName: string): Promise<PartitionRecord[]> {
    const rows = await this.prisma.partition.findMany({ where: { topicName }, orderBy: { partitionId: 'asc' } });
    return rows.map(toPartitionRecord);
  }

  async dynamicBrokerConfigs(scope: BrokerConfigScope): Promise<Record<string, string>> {
    const rows = await this.prisma.dynamicBrokerConfig.findMany({ where: { scope: String(scope) } });
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  async alterDynamicBrokerConfigs(
    scope: BrokerConfigScope,
    set: Record<string, string>,
    remove: string[],
  ): Promise<Record<string, string>> {
    return this.write(`alter the ${scope === 'default' ? 'cluster-wide' : `broker ${scope}`} configs`, (prisma) =>
      prisma.$transaction(async (tx) => {
        const key = String(scope);
        if (remove.length > 0) await tx.dynamicBrokerConfig.deleteMany({ where: { scope: key, name: { in: remove } } });
        for (const [name, value] of Object.entries(set)) {
          await tx.dynamicBrokerConfig.upsert({
            where: { scope_name: { scope: key, name } },
            create: { scope: key, name, value },
            update: { value },
          });
        }
        const rows = await tx.dynamicBrokerConfig.findMany({ where: { scope: key } });
        return Object.fromEntries(rows.map((row) => [row.name, row.value]));
      }),
    );
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.prisma.user.findMany({ include: { credentials: true }, orderBy: { name: 'asc' } });
    return rows.map(toUserRecord);
  }

  async getUser(name: string): Promise<UserRecord | null> {
    const row = await this.prisma.user.findUnique({ where: { name }, include: { credentials: true } });
    return row ? toUserRecord(row) : null;
  }

  async createUser(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord> {
    return this.write(`create user '${name}'`, async (prisma) => {
      try {
        const row = await prisma.user.create({
          data: { name, credentials: { create: credentials.map((c) => ({ ...c })) } },
          include: { credentials: true },
        });
        return toUserRecord(row);
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new UserExistsError(name);
        throw error;
      }
    });
  }

  async setCredentials(name: string, credentials: ScramCredentialRecord[]): Promise<UserRecord> {
    return this.write(`set the credentials of user '${name}'`, (prisma) =>
      prisma.$transaction(async (tx) => {
        const exists = await tx.user.findUnique({ where: { name }, select: { name: true } });
        if (!exists) throw new UserNotFoundError(name);
        for (const c of credentials) {
          await tx.scramCredential.upsert({
            where: { userName_mechanism: { userName: name, mechanism: c.mechanism } },
            create: { userName: name, ...c },
            update: { salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations },
          });
        }
        return toUserRecord(await tx.user.findUniqueOrThrow({ where: { name }, include: { credentials: true } }));
      }),
    );
  }

  async deleteUser(name: string): Promise<boolean> {
    const result = await this.write(`delete user '${name}'`, (prisma) => prisma.user.deleteMany({ where: { name } }));
    return result.count > 0;
  }

  async createApiKey(key: Omit<ApiKeyRecord, 'createdAt'>): Promise<ApiKeyRecord> {
    return this.write(`create an API key for user '${key.userName}'`, (prisma) =>
      prisma.$transaction(async (tx) => {
        const exists = await tx.user.findUnique({ where: { name: key.userName }, select: { name: true } });
        if (!exists) throw new UserNotFoundError(key.userName);
        return tx.apiKey.create({ data: key });
      }),
    );
  }

  getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
    return this.prisma.apiKey.findUnique({ where: { keyId } });
  }

  listApiKeys(userName: string): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({ where: { userName }, orderBy: [{ createdAt: 'asc' }, { keyId: 'asc' }] });
  }

  async deleteApiKey(keyId: string): Promise<boolean> {
    const result = await this.write(`delete API key '${keyId}'`, (prisma) => prisma.apiKey.deleteMany({ where: { keyId } }));
    return result.count > 0;
  }

  listAcls(): Promise<AclRecord[]> {
    return this.prisma.aclBinding.findMany({ orderBy: { id: 'asc' } });
  }

  async createAcls(bindings: Omit<AclRecord, 'id'>[]): Promise<AclRecord[]> {
    return this.write('create ACLs', (prisma) =>
      prisma.$transaction(async (tx) => {
        const created: AclRecord[] = [];
        for (const binding of bindings) {
          created.push(
            await tx.aclBinding.upsert({
              where: {
                resourceType_resourceName_patternType_principal_host_operation_permission: { ...binding },
              },
              create: { ...binding },
              update: {},
            }),
          );
        }
        return created;
      }),
    );
  }

  async deleteAcls(ids: number[]): Promise<AclRecord[]> {
    if (ids.length === 0) return [];
    return this.write('delete ACLs', (prisma) =>
      prisma.$transaction(async (tx) => {
        const existing = await tx.aclBinding.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
        await tx.aclBinding.deleteMany({ where: { id: { in: existing.map((row) => row.id) } } });
        return existing;
      }),
    );
  }

  async listQuotas(): Promise<QuotaRecord[]> {
    const rows = await this.prisma.quota.findMany({ orderBy: [{ user: 'asc' }, { clientId: 'asc' }, { name: 'asc' }] });
    const byEntity = new Map<string, QuotaRecord>();
    for (const row of rows) {
      const key = JSON.stringify([row.user, row.clientId]);
      let record = byEntity.get(key);
      if (!record) byEntity.set(key, (record = { entity: { user: row.user, clientId: row.clientId }, values: {} }));
      record.values[row.name] = row.value;
    }
    return [...byEntity.values()];
  }

  async alterQuotas(entity: QuotaEntity, set: Record<string, number>, remove: string[]): Promise<Record<string, number>> {
    return this.write('alter quotas', (prisma) =>
      prisma.$transaction(async (tx) => {
        const where = { user: entity.user, clientId: entity.clientId };
        if (remove.length > 0) await tx.quota.deleteMany({ where: { ...where, name: { in: remove } } });
        for (const [name, value] of Object.entries(set)) {
          await tx.quota.upsert({
            where: { user_clientId_name: { ...where, name } },
            create: { ...where, name, value },
            update: { value },
          });
        }
        const rows = await tx.quota.findMany({ where });
        return Object.fromEntries(rows.map((row) => [row.name, row.value]));
      }),
    );
  }

  async appendAudit(events: NewAuditRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.write('append to the audit log', (prisma) => prisma.auditEvent.createMany({ data: events }));
  }

  listAudit(query: AuditQuery): Promise<AuditRecord[]> {
    const { order, cursor, limit, principal, outcome, operation, resource } = query;
    const id = order === 'asc' ? { gt: cursor } : cursor > 0 ? { lt: cursor } : undefined;
    return this.prisma.auditEvent.findMany({
      where: { id, principal, outcome, operation, resource },
      orderBy: { id: order },
      take: limit,
    });
  }

  async trimAudit(before: Date): Promise<number> {
    const result = await this.write('trim the audit log', (prisma) => prisma.auditEvent.deleteMany({ where: { time: { lt: before } } }));
    return result.count;
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

async function insertTopic(
  prisma: PrismaClient,
  topic: Omit<TopicRecord, 'createdAt'>,
  partitions: PartitionRecord[],
): Promise<TopicRecord> {
  try {
    const row = await prisma.topic.create({
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
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw new TopicExistsError(topic.name);
    }
    throw error;
  }
}

async function insertPartitions(prisma: PrismaClient, name: string, partitions: PartitionRecord[]): Promise<TopicRecord> {
  return prisma.$transaction(async (tx) => {
    const topic = await tx.topic.findUnique({ where: { name }, select: { partitionsCount: true } });
    if (!topic) throw new TopicNotFoundError(name);
    await tx.partition.createMany({ data: partitions.map((p) => ({ topicName: name, ...partitionColumns(p) })) });
    const row = await tx.topic.update({
      where: { name },
      data: { partitionsCount: partitions.reduce((count, p) => Math.max(count, p.partitionId + 1), topic.partitionsCount) },
      include: { configs: true },
    });
    return toTopicRecord(row);
  });
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

async function alterConfigs(prisma: PrismaClient, name: string, set: Record<string, string>, remove: string[]): Promise<TopicRecord> {
  return prisma.$transaction(async (tx) => {
    const exists = await tx.topic.findUnique({ where: { name }, select: { name: true } });
    if (!exists) throw new TopicNotFoundError(name);
    if (remove.length > 0) await tx.topicConfig.deleteMany({ where: { topicName: name, name: { in: remove } } });
    for (const [key, value] of Object.entries(set)) {
      await tx.topicConfig.upsert({
        where: { topicName_name: { topicName: name, name: key } },
        create: { topicName: name, name: key, value },
        update: { value },
      });
    }
    const row = await tx.topic.findUniqueOrThrow({ where: { name }, include: { configs: true } });
    return toTopicRecord(row);
  });
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
