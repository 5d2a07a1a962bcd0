/**
 * The broker's API from browser code, through the console server's proxy (`/api/broker/...`,
 * which adds the signed-in user's credentials) — never straight to the broker.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A raw proxied call (streams: read `response.body`). */
export function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('x-runnel-console', '1');
  if (init.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  return fetch(`/api/broker${path}`, { ...init, headers, cache: 'no-store' });
}

/** A JSON call; a refusal throws ApiError with the broker's message. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const answer = await apiFetch(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await answer.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!answer.ok) {
    const error = (json ?? {}) as { error_code?: number; message?: string };
    if (answer.status === 401) window.location.assign('/signin?expired=1');
    throw new ApiError(answer.status, error.error_code ?? answer.status, error.message ?? answer.statusText);
  }
  return json as T;
}

/** The console's WebSocket to the broker (`/v3/ws` through the console server). */
export function wsUrl(): string {
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/ws`;
}
