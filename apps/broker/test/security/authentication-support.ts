import { BrokerProcess, startBroker } from '../support/broker-process';

/** Test helpers for brokers with RUNNEL_AUTH=on: requests with credentials, and users/keys made through the admin API. */
export const ADMIN_PASSWORD = 'admin-secret-1';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
  body: any;
  headers: Headers;
}

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
export const bearer = (token: string): string => `Bearer ${token}`;
export const ADMIN = basic('admin', ADMIN_PASSWORD);

/** `method url` with an Authorization header (when given) and a JSON body (when given); the body parsed when there is one. */
export async function call(method: string, url: string, authorization?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function startSecureBroker(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<BrokerProcess> {
  return startBroker({
    dataDir: options.dataDir,
    env: { RUNNEL_AUTH: 'on', RUNNEL_ADMIN_PASSWORD: ADMIN_PASSWORD, RUNNEL_WS_TICKET_TTL_MS: '1000', ...options.env },
  });
}

/** Creates a user through the admin API (as admin unless `as` is given); fails the test unless 201. */
export async function createUser(
  broker: BrokerProcess,
  name: string,
  password: string,
  mechanism = 'SCRAM-SHA-256',
  as = ADMIN,
): Promise<void> {
  const answer = await call('POST', `${broker.baseUrl}/v3/clusters/-/users`, as, { name, password, mechanism });
  if (answer.status !== 201) throw new Error(`creating user ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Creates an API key of `user` (as admin); answers the bearer token. */
export async function createApiKey(
  broker: BrokerProcess,
  user: string,
  body: unknown = {},
): Promise<{ key_id: string; secret: string; expires_at: number | null }> {
  const answer = await call('POST', `${broker.baseUrl}/v3/clusters/-/users/${user}/api-keys`, ADMIN, body);
  if (answer.status !== 201) throw new Error(`creating an API key of ${user}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * The status of a request any authenticated caller may make (POST /v3/auth/ws-ticket, which
 * needs no ACL) sent with `authorization`: 200 when the credentials are accepted, 401 when not.
 * startSecureBroker makes tickets live 1 s, so probing does not pile them up.
 */
export async function statusWith(broker: BrokerProcess, authorization: string): Promise<number> {
  return (await call('POST', `${broker.baseUrl}/v3/auth/ws-ticket`, authorization)).status;
}
