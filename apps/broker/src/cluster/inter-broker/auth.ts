import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Authentication of inter-broker calls (Kafka's CVE-2018-1288 lesson: only brokers may act as
 * replicas). Every request is signed with the cluster's inter-broker secret, which never travels:
 *
 *   x-runnel-broker: <brokerId>:<brokerEpoch>
 *   x-runnel-nonce:  <32 hex chars, random per request>
 *   authorization:   Runnel-HMAC <hex hmac-sha256(secret, method \n path \n brokerId \n brokerEpoch \n nonce \n hex sha256(body))>
 *
 * The body digest binds the signature to the bytes sent, so a captured header cannot carry other
 * records. There is no timestamp window: brokers never compare clocks (DESIGN.md), so a replay of
 * a whole captured request on the network is not refused; the channel is meant for a private
 * network (as Kafka's PLAINTEXT inter-broker listener). Comparison is constant-time.
 */
export const AUTH_SCHEME = 'Runnel-HMAC';
export const BROKER_HEADER = 'x-runnel-broker';
export const NONCE_HEADER = 'x-runnel-nonce';

export interface CallerIdentity {
  brokerId: number;
  brokerEpoch: number;
}

export function signRequest(secret: string, method: string, path: string, caller: CallerIdentity, body: Buffer): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  return {
    [BROKER_HEADER]: `${caller.brokerId}:${caller.brokerEpoch}`,
    [NONCE_HEADER]: nonce,
    authorization: `${AUTH_SCHEME} ${mac(secret, method, path, caller, nonce, body)}`,
  };
}

/** The headers' shape alone (no secret needed): lets the server refuse anonymous callers before reading a body. */
export function parseAuthHeaders(
  headers: Record<string, string | string[] | undefined>,
): { caller: CallerIdentity; nonce: string; signature: string } | undefined {
  const broker = single(headers[BROKER_HEADER]);
  const nonce = single(headers[NONCE_HEADER]);
  const authorization = single(headers.authorization);
  if (!broker || !nonce || !authorization) return undefined;
  const id = /^(\d{1,9}):(-?\d{1,15})$/.exec(broker);
  const auth = new RegExp(`^${AUTH_SCHEME} ([0-9a-f]{64})$`).exec(authorization);
  if (!id || !auth || !/^[0-9a-f]{32}$/.test(nonce)) return undefined;
  return { caller: { brokerId: Number(id[1]), brokerEpoch: Number(id[2]) }, nonce, signature: auth[1] };
}

export function verifySignature(
  secret: string,
  method: string,
  path: string,
  parsed: { caller: CallerIdentity; nonce: string; signature: string },
  body: Buffer,
): boolean {
  const expected = Buffer.from(mac(secret, method, path, parsed.caller, parsed.nonce, body), 'hex');
  const given = Buffer.from(parsed.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function mac(secret: string, method: string, path: string, caller: CallerIdentity, nonce: string, body: Buffer): string {
  const digest = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret)
    .update(`${method}\n${path}\n${caller.brokerId}\n${caller.brokerEpoch}\n${nonce}\n${digest}`)
    .digest('hex');
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
