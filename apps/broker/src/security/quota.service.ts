import { Injectable } from '@nestjs/common';
import type { Caller } from './caller';

/**
 * Client quotas (Kafka's ClientQuotaManager): byte rates per user / client id, measured over a
 * sliding window; a caller over its quota is delayed by the throttle time. The HTTP answers are
 * throttled at the edge (a hook); paths that stream (WebSocket delivery, SSE, WS produce) call
 * `recordConsume` / `recordProduce` with the bytes they moved and pause for the answer's milliseconds.
 *
 * (Foundation stub: no quotas yet — every call answers 0.)
 */
@Injectable()
export class QuotaService {
  /** Records `bytes` produced by `caller`; returns how long to pause it (ms, 0 = not throttled). */
  recordProduce(_caller: Caller, _bytes: number): number {
    return 0;
  }

  /** Records `bytes` delivered to `caller`; returns how long to pause its delivery (ms). */
  recordConsume(_caller: Caller, _bytes: number): number {
    return 0;
  }
}
