import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Operation, ResourceType } from '@runnel/security/acl';
import { consoleConfig } from './config';
import { currentSession } from './session';

/**
 * The broker's public HTTP API, called from server components and server actions with the
 * signed-in user's own credentials: the broker decides what the user may see and do. `-` is the
 * cluster this broker belongs to, so paths read `/v3/clusters/-/topics`.
 */
const { brokerUrl } = consoleConfig(process.env);

/** A refusal from the broker, with its status, error_code and message. */
export class BrokerError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/**
 * To the sign-in page, and back to the page asked for afterwards (the console server tells which
 * in `x-runnel-path`); `expired` when a session existed but the broker no longer accepts it.
 */
export async function signInRedirect(expired: boolean): Promise<never> {
  const path = (await headers()).get('x-runnel-path') ?? '/';
  const query = new URLSearchParams();
  if (path !== '/' && path.startsWith('/')) query.set('next', path);
  if (expired) query.set('expired', '1');
  const text = query.toString();
  redirect(text ? `/signin?${text}` : '/signin');
}

async function call<T>(method: string, path: string, body?: unknown, authorization?: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-client-id': 'runnel-console' };
  const session = authorization === undefined ? await currentSession() : undefined;
  const credentials = authorization === undefined ? session?.authorization : authorization;
  if (credentials) headers.authorization = credentials;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let answer: Response;
  try {
    answer = await fetch(`${brokerUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new BrokerError(502, 502, `the broker at ${brokerUrl} did not answer: ${(error as Error).message}`);
  }
  const text = await answer.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!answer.ok) {
    const error = (json ?? {}) as { error_code?: number; message?: string };
    // A session the broker no longer accepts (password changed, user deleted): sign in again.
    if (answer.status === 401 && authorization === undefined) await signInRedirect(session !== undefined);
    throw new BrokerError(answer.status, error.error_code ?? answer.status, error.message ?? (text.slice(0, 500) || answer.statusText));
  }
  return json as T;
}

export const broker = {
  get: <T>(path: string, query?: Query) => call<T>('GET', withQuery(path, query)),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => call<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => call<T>('PATCH', path, body ?? {}),
  delete: <T>(path: string, query?: Query) => call<T>('DELETE', withQuery(path, query)),
  /** One call with explicit credentials (`null`: none), for signing in. */
  as: <T>(authorization: string | null, method: string, path: string, body?: unknown) => call<T>(method, path, body, authorization),
};

/** `GET /v3/auth/whoami`: who the broker takes the signed-in user for. */
export interface WhoAmI {
  principal: string;
  user: string | null;
  auth_enabled: boolean;
  super_user: boolean;
  via: string;
}

export function whoami(): Promise<WhoAmI> {
  return broker.get<WhoAmI>('/v3/auth/whoami');
}

export interface PermissionCheck {
  resource_type: ResourceType;
  resource_name: string;
  operation: Operation;
}

/**
 * What the signed-in user may do, from the broker's own authorizer (`POST /v3/auth/permissions`),
 * in the order asked. The console disables what is not allowed and says why; the broker still
 * checks every call.
 */
export async function permissions(checks: PermissionCheck[]): Promise<boolean[]> {
  if (checks.length === 0) return [];
  const answer = await broker.post<{ data: { allowed: boolean }[] }>('/v3/auth/permissions', { checks });
  return answer.data.map((entry) => entry.allowed);
}

/** The reason shown on an action the user may not take. */
export function deniedReason(check: PermissionCheck): string {
  return `Not allowed: ${check.operation} on ${check.resource_type.toLowerCase()} '${check.resource_name}' needs an ACL (ask an administrator)`;
}
