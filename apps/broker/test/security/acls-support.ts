/** What the ACL and audit-log tests send: JSON requests with optional headers (credentials), answers with their headers. */
export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
  body: any;
  headers: Headers;
}

export async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

export const basic = (user: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

export interface Acl {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export function acl(fields: Partial<Acl> = {}): Acl {
  return {
    resource_type: 'TOPIC',
    resource_name: 'orders',
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
    ...fields,
  };
}

/** A query string of an ACL filter, in the spec's parameter order. */
export function filterQuery(fields: Partial<Acl>): string {
  return new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** `GET .../acls` self and AclData self: every parameter, in the spec's order, values URL-encoded as Confluent's. */
export function aclsSelf(root: string, fields: Acl): string {
  const order: (keyof Acl)[] = ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'];
  return `${root}/acls?${order.map((k) => `${k}=${encodeURIComponent(fields[k])}`).join('&')}`;
}

/** The AclData Confluent answers for a binding. */
export function aclData(root: string, cid: string, fields: Acl) {
  return { kind: 'KafkaAcl', metadata: { self: aclsSelf(root, fields) }, cluster_id: cid, ...fields };
}

/** Polls `probe` until it returns true, or fails after `timeoutMs`. */
export async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
