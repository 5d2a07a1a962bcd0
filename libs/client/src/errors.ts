import { isRetriableErrorCode } from '@runnel/protocol';

/**
 * What the client throws: API.md's `{error_code, message}` body (or a network failure) with the
 * one fact a caller acts on, whether retrying can help. The producer retries retriable errors
 * itself; an error that reaches the application is final for the records it names.
 */

/** error_code for failures that never got an API.md body: connection refused/reset, timeout. */
export const NETWORK_ERROR_CODE = -1;

export class RunnelClientError extends Error {
  override readonly name = 'RunnelClientError';
  constructor(
    message: string,
    /** API.md's error_code (e.g. 40001, 40403, 50003), or NETWORK_ERROR_CODE. */
    readonly errorCode: number,
    /** HTTP status, 0 when no response arrived (or the error came over a WebSocket). */
    readonly status: number,
    readonly retriable: boolean,
    /** From `Retry-After` on 429: how long the broker asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Builds the error for a non-2xx response. Retriable per API.md's shared table
 * (@runnel/protocol's isRetriableErrorCode: 50003, 42901, and a bare 429/503); everything else is final.
 */
export async function errorFromResponse(response: Response): Promise<RunnelClientError> {
  let errorCode = response.status;
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error_code?: unknown; message?: unknown };
    if (typeof body.error_code === 'number') errorCode = body.error_code;
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // Not a JSON body (a proxy's error page, a cut connection): the status is all we know.
  }
  const retryAfter = response.headers.get('retry-after');
  const retryAfterMs = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  const retriable = isRetriableErrorCode(errorCode, response.status);
  return new RunnelClientError(message, errorCode, response.status, retriable, retryAfterMs);
}

export function networkError(cause: unknown): RunnelClientError {
  const message =
    cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}` : String(cause);
  return new RunnelClientError(message, NETWORK_ERROR_CODE, 0, true);
}

/** Exponential backoff with ±20% jitter (so retrying producers do not move in lockstep), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, retryAfterMs?: number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
  return Math.max(exponential, retryAfterMs ?? 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
