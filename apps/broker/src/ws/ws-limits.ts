/**
 * Every bound the WebSocket gateway enforces, in one place so tests can shrink them. Memory per
 * connection is bounded by `maxFrameBytes` (one inbound frame), `bufferedBytesHigh` plus one
 * records frame being built (outbound), and `maxProducesInFlight` produce frames.
 */
export interface WsLimits {
  /** Largest inbound frame (ws `maxPayload`); a bigger one closes the socket with 1009. */
  maxFrameBytes: number;
  /**
   * Stored bytes read per records frame. A soft cap: a stored batch is never split, and JSON
   * (base64, field names) is larger than the stored bytes, so frames are about 1 MiB or less
   * unless a single stored batch is bigger.
   */
  recordsFrameReadBytes: number;
  /** No records frame is built while the socket has this much unsent data. */
  bufferedBytesHigh: number;
  maxSubscriptions: number;
  /** Metadata watches (`watch` frames) open at once on one socket. */
  maxWatches: number;
  /** Upper bound on a subscription's outstanding credit (initial or after grants). */
  maxCredit: number;
  defaultCredit: number;
  /** Partitions named by one subscription (and held by one cursor). */
  maxPartitionsPerSubscription: number;
  maxSubNameLength: number;
  /** Produce frames awaiting their answer; beyond it the socket stops being read. */
  maxProducesInFlight: number;
  /** Pings to every socket; a pong (or any frame) renews the sessions of its group members. */
  pingIntervalMs: number;
  /** A socket silent (no pong, no frame) this long is terminated. */
  idleTimeoutMs: number;
}

export const DEFAULT_WS_LIMITS: Readonly<WsLimits> = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  recordsFrameReadBytes: 256 * 1024,
  bufferedBytesHigh: 4 * 1024 * 1024,
  maxSubscriptions: 100,
  maxWatches: 10,
  maxCredit: 100_000,
  defaultCredit: 1000,
  maxPartitionsPerSubscription: 10_000,
  maxSubNameLength: 256,
  maxProducesInFlight: 32,
  pingIntervalMs: 3_000,
  idleTimeoutMs: 120_000,
});
