import * as http from 'node:http';
import * as path from 'node:path';
import { SqliteMetadataStore } from '@runnel/metadata';
import type { AclBinding } from '@runnel/security';

/** Helpers for WebSocket security tests: ACLs written before the broker starts, users made by admin, raw upgrade answers. */

export const ADMIN_PASSWORD = 'admin-secret-123';

export const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const acl = (over: Partial<AclBinding>): Omit<AclBinding, never> => ({
  resourceType: 'TOPIC',
  resourceName: 'allowed',
  patternType: 'LITERAL',
  principal: 'User:alice',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
  ...over,
});

/** Writes ACL bindings into a data dir's metadata store (the broker loads them at start). */
export async function seedAcls(dataDir: string, bindings: AclBinding[]): Promise<void> {
  const store = await SqliteMetadataStore.open(path.join(dataDir, 'meta.db'));
  try {
    await store.createAcls(bindings);
  } finally {
    await store.close();
  }
}

/** A JSON call with headers (Basic as admin by default). */
export async function call(
  baseUrl: string,
  method: string,
  url: string,
  body?: unknown,
  authorization = basic('admin', ADMIN_PASSWORD),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The HTTP answer to a WebSocket upgrade request: 101, or the refusal's status, headers and JSON body. */
export function upgradeAnswer(
  baseUrl: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers field by field
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${baseUrl}${pathAndQuery}`, {
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode!, headers: response.headers, body: undefined });
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: text ? JSON.parse(text) : undefined }),
      );
    });
    request.on('error', reject);
  });
}
