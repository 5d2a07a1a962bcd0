import { backoffMs, errorFromResponse, networkError, RunnelClientError, sleep } from './errors';

/**
 * The HTTP side of the client: one request with a timeout, failures turned into
 * RunnelClientError, and the retry loop the producer and metadata lookups share. Uses Node's
 * global fetch (undici), which keeps connections alive and reuses them per origin.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (so at most retries + 1 attempts). */
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

export interface HttpSettings {
  /** Without a trailing slash. */
  baseUrl: string;
  clusterId: string;
  /** Extra headers on every request, e.g. Authorization. */
  headers: Record<string, string>;
  requestTimeoutMs: number;
}

export function normalizeBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl); // throws on garbage, before any request is made
  return url.toString().replace(/\/+$/, '');
}

export function topicUrl(http: HttpSettings, topic: string): string {
  return `${http.baseUrl}/v3/clusters/${encodeURIComponent(http.clusterId)}/topics/${encodeURIComponent(topic)}`;
}

/** One request; a 2xx answers the Response (body unread), anything else throws RunnelClientError. */
export async function request(http: HttpSettings, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { ...http.headers, ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(http.requestTimeoutMs),
    });
  } catch (error) {
    throw networkError(error);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

/** A 2xx body as JSON; a body that does not parse is a (retriable) network-level failure. */
export async function readJson<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw networkError(error);
  }
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retriable error, or `policy.retries` retries
 * are spent (the last error is thrown). `stopped()` ends retrying early (a force-closed client).
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: () => Promise<T>, stopped: () => boolean = () => false): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RunnelClientError)) throw error; // a bug, not a transient failure
      const clientError = error;
      if (!clientError.retriable || n >= policy.retries || stopped()) throw clientError;
      await sleep(backoffMs(n, policy.retryBackoffMs, policy.retryBackoffMaxMs, clientError.retryAfterMs));
    }
  }
}
