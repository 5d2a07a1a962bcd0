import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { MetadataStore, UserExistsError, UserNotFoundError, UserRecord } from '@runnel/metadata';
import { DEFAULT_ITERATIONS, isScramMechanism, MAX_ITERATIONS, MIN_ITERATIONS, scramCredential, ScramMechanism } from '@runnel/security';
import { badRequest, RunnelError } from '../common/errors';
import { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG, METADATA_STORE } from '../config/tokens';
import { AccessControl } from './access-control.service';
import { auditEntry, AuditService } from './audit.service';
import { Authenticator } from './authenticator';
import type { Caller } from './caller';

/** The super user the first start with authentication on creates. */
export const ADMIN_USER = 'admin';
/** User names: visible ASCII without `:` (the Basic separator), `;` and `,` (principal lists), `*` and `<>` (Kafka's wildcard and `<default>`). */
const USER_NAME = /^[A-Za-z0-9._@+=-]{1,255}$/;
/** Users at most (each costs a row and, when listed, a line): the next create answers 409/40901. */
export const MAX_USERS = 10_000;
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

export interface UserView {
  name: string;
  mechanisms: { mechanism: string; iterations: number }[];
  created_at: number;
}

/**
 * Users and their SCRAM credentials (API.md "Security admin"): create, list, set a password,
 * delete. Changes need ALTER on the CLUSTER, lists DESCRIBE on the CLUSTER (Kafka's
 * AlterUserScramCredentials / DescribeUserScramCredentials); each change is audited with the
 * mechanisms before and after (never a secret). The first start with authentication on creates
 * the super user `admin` with RUNNEL_ADMIN_PASSWORD, or a generated password printed once.
 */
@Injectable()
export class UsersService implements OnModuleInit {
  private readonly logger = new Logger('Security');

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    private readonly access: AccessControl,
    private readonly audit: AuditService,
    private readonly authenticator: Authenticator,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.security.enabled) return;
    const given = this.config.security.adminPassword;
    if (!this.config.security.superUsers.includes(`User:${ADMIN_USER}`)) {
      this.logger.warn(`'${ADMIN_USER}' is not in RUNNEL_SUPER_USERS: it may do only what ACLs allow it`);
    }
    if (await this.store.getUser(ADMIN_USER)) {
      if (given !== undefined) {
        this.logger.log(
          `user '${ADMIN_USER}' exists: RUNNEL_ADMIN_PASSWORD is ignored (change the password with PUT /v3/clusters/-/users/${ADMIN_USER})`,
        );
      }
      return;
    }
    const password = given ?? randomBytes(18).toString('base64url');
    await this.store.createUser(ADMIN_USER, [
      await scramCredential('SCRAM-SHA-256', password),
      await scramCredential('SCRAM-SHA-512', password),
    ]);
    await this.audit.record({
      principal: 'User:ANONYMOUS',
      source: 'startup',
      resource: `USER:${ADMIN_USER}`,
      operation: 'CREATE_USER',
      outcome: 'SUCCESS',
    });
    if (given === undefined) {
      // Shown once: it is not stored anywhere but in this line.
      this.logger.warn(
        `created super user '${ADMIN_USER}' with generated password ${password} (shown once: set RUNNEL_ADMIN_PASSWORD to choose it)`,
      );
    } else {
      this.logger.log(`created super user '${ADMIN_USER}' with the password from RUNNEL_ADMIN_PASSWORD`);
    }
  }

  async list(caller: Caller): Promise<UserView[]> {
    this.access.requireCluster(caller, 'DESCRIBE');
    return (await this.store.listUsers()).map(userView);
  }

  async get(caller: Caller, name: string): Promise<UserView> {
    this.access.requireCluster(caller, 'DESCRIBE');
    const user = await this.store.getUser(name);
    if (!user) throw unknownUser(name);
    return userView(user);
  }

  async create(caller: Caller, body: unknown): Promise<UserView> {
    this.access.requireCluster(caller, 'ALTER');
    const input = passwordInput(body, true);
    const count = (await this.store.listUsers()).length;
    if (count >= MAX_USERS) throw new RunnelError('CONFLICT', `the broker already has ${count} users, the most it holds: delete one first`);
    const credential = await scramCredential(input.mechanism ?? 'SCRAM-SHA-256', input.password, input.iterations);
    try {
      const user = userView(await this.store.createUser(input.name, [credential]));
      await this.audit.record(auditEntry(caller, `USER:${input.name}`, 'CREATE_USER', 'SUCCESS', { after: user }));
      return user;
    } catch (error) {
      if (error instanceof UserExistsError) throw new RunnelError('CONFLICT', `user '${input.name}' already exists`);
      throw error;
    }
  }

  async setPassword(caller: Caller, name: string, body: unknown): Promise<UserView> {
    this.access.requireCluster(caller, 'ALTER');
    const input = passwordInput(body, false);
    const before = await this.store.getUser(name);
    if (!before) throw unknownUser(name);
    // A new password replaces every mechanism's credential (an old password must not keep working
    // through another), each keeping its iteration count unless one is given; a named mechanism the
    // user lacks is added.
    const current = new Map(before.credentials.map((c) => [c.mechanism as ScramMechanism, c.iterations]));
    if (input.mechanism !== undefined && !current.has(input.mechanism)) current.set(input.mechanism, DEFAULT_ITERATIONS);
    const credentials = await Promise.all(
      [...current].map(([mechanism, iterations]) => scramCredential(mechanism, input.password, input.iterations ?? iterations)),
    );
    try {
      const user = userView(await this.store.setCredentials(name, credentials));
      this.authenticator.forgetUser(name);
      await this.audit.record(auditEntry(caller, `USER:${name}`, 'ALTER_USER', 'SUCCESS', { before: userView(before), after: user }));
      return user;
    } catch (error) {
      if (error instanceof UserNotFoundError) throw unknownUser(name);
      throw error;
    }
  }

  async delete(caller: Caller, name: string): Promise<void> {
    this.access.requireCluster(caller, 'ALTER');
    const before = await this.store.getUser(name);
    if (!before || !(await this.store.deleteUser(name))) throw unknownUser(name);
    this.authenticator.forgetUser(name);
    // Open WebSockets, event streams and consumer instances of the user end now, not at their next reconnect.
    this.access.revoke(name);
    await this.audit.record(auditEntry(caller, `USER:${name}`, 'DELETE_USER', 'SUCCESS', { before: userView(before) }));
  }
}

export function unknownUser(name: string): RunnelError {
  return new RunnelError('NOT_FOUND', `user '${name}' does not exist`);
}

function userView(user: UserRecord): UserView {
  return {
    name: user.name,
    mechanisms: user.credentials.map((c) => ({ mechanism: c.mechanism, iterations: c.iterations })),
    created_at: user.createdAt.getTime(),
  };
}

function passwordInput(
  body: unknown,
  withName: boolean,
): { name: string; password: string; mechanism: ScramMechanism | undefined; iterations: number | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be a JSON object');
  const b = body as Record<string, unknown>;
  const allowed = withName ? ['name', 'password', 'mechanism', 'iterations'] : ['password', 'mechanism', 'iterations'];
  const unknown = Object.keys(b).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw badRequest(`Unknown field(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  const name = b.name;
  if (withName && (typeof name !== 'string' || !USER_NAME.test(name))) {
    throw badRequest('name must be 1-255 characters of A-Z a-z 0-9 . _ @ + = -');
  }
  if (typeof b.password !== 'string' || b.password.length < MIN_PASSWORD_LENGTH || b.password.length > MAX_PASSWORD_LENGTH) {
    throw badRequest(`password must be a string of ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  const mechanism = b.mechanism;
  if (mechanism !== undefined && !isScramMechanism(mechanism)) throw badRequest('mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512');
  const iterations = b.iterations;
  if (
    iterations !== undefined &&
    (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS)
  ) {
    throw badRequest(`iterations must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
  }
  return { name: withName ? (name as string) : '', password: b.password, mechanism, iterations };
}
