export interface ConsoleSession {
  /** The Authorization header value sent to the broker for this session. */
  authorization: string;
  principal: string;
  lastUsed: number;
}
export const COOKIE: string;
export const IDLE_MS: number;
export const MAX_SESSIONS: number;
export function createSession(authorization: string, principal: string): string;
export function findSession(id: string | undefined): ConsoleSession | undefined;
export function deleteSession(id: string | undefined): void;
export function cookieValue(header: string | undefined, name: string): string | undefined;
