import { BrokerProcess, startBroker } from './broker-process';

/**
 * Tests of authorization against a real broker with RUNNEL_AUTH=on: callers with HTTP Basic
 * credentials, users created by the super user `admin`, and ACLs created and removed through the
 * public Confluent v3 endpoint (`POST/DELETE /v3/clusters/{cid}/acls`), as an operator would.
 */
export const ADMIN_PASSWORD = 'admin-secret-for-tests';
export const USER_PASSWORD = 'user-secret-for-tests';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
  body: any;
}

/** A principal's credentials (`undefined`: none sent). */
export interface Who {
  user: string;
  password: string;
}

export const admin: Who = { user: 'admin', password: ADMIN_PASSWORD };
export const as = (user: string): Who => ({ user, password: USER_PASSWORD });

export interface AclSpec {
  resource_type: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  resource_name: string;
  pattern_type: 'LITERAL' | 'PREFIXED';
  principal: string;
  host?: string;
  operation: string;
  permission: 'ALLOW' | 'DENY';
}

/** Starts a broker with authentication and authorization on (deny when no ACL matches, as Kafka). */
export function startSecureBroker(env: Record<string, string> = {}): Promise<BrokerProcess> {
  return startBroker({ env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env } });
}

export function basic(who: Who): string {
  return `Basic ${Buffer.from(`${who.user}:${who.password}`).toString('base64')}`;
}

/** One request as `who`; a string or Buffer body goes as written, anything else as JSON. */
export async function call(
  broker: BrokerProcess,
  who: Who | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const sent: Record<string, string> = { ...headers };
  if (who) sent.authorization = basic(who);
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    sent['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${broker.baseUrl}${path}`, { method, headers: sent, body: payload });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Creates `user` (password USER_PASSWORD) as admin. */
export async function createUser(broker: BrokerProcess, user: string): Promise<void> {
  const answer = await call(broker, admin, 'POST', '/v3/clusters/-/users', { name: user, password: USER_PASSWORD });
  if (answer.status !== 201) throw new Error(`creating user ${user}: ${answer.status} ${answer.text}`);
}

const withHost = (acl: AclSpec): Required<AclSpec> => ({ host: '*', ...acl });

/** Creates each binding as admin through `POST /v3/clusters/-/acls` (201). */
export async function createAcls(broker: BrokerProcess, acls: readonly AclSpec[]): Promise<void> {
  for (const acl of acls) {
    const answer = await call(broker, admin, 'POST', '/v3/clusters/-/acls', withHost(acl));
    if (answer.status !== 201) throw new Error(`creating ACL ${JSON.stringify(acl)}: ${answer.status} ${answer.text}`);
  }
}

/** Removes exactly each binding as admin through `DELETE /v3/clusters/-/acls?<its fields>`. */
export async function deleteAcls(broker: BrokerProcess, acls: readonly AclSpec[]): Promise<void> {
  for (const acl of acls) {
    const query = new URLSearchParams(withHost(acl) as unknown as Record<string, string>).toString();
    const answer = await call(broker, admin, 'DELETE', `/v3/clusters/-/acls?${query}`);
    if (answer.status !== 200) throw new Error(`deleting ACL ${JSON.stringify(acl)}: ${answer.status} ${answer.text}`);
  }
}

/** Runs `body` with `acls` in force and removes them afterwards, also when it fails. */
export async function withAcls<T>(broker: BrokerProcess, acls: readonly AclSpec[], body: () => Promise<T>): Promise<T> {
  const created: AclSpec[] = [];
  try {
    for (const acl of acls) {
      await createAcls(broker, [acl]);
      created.push(acl);
    }
    return await body();
  } finally {
    await deleteAcls(broker, created);
  }
}

/** Waits until `condition` holds, polling every 20 ms, or fails after `deadlineMs`. */
export async function eventually(condition: () => Promise<boolean>, deadlineMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
