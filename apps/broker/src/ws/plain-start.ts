import { resolveStart } from '../consume/start-position';
import { SubscribeFrame } from './client-frames';
import type { SubscriptionPartition } from './subscription';
import type { WsLimits } from './ws-limits';
import type { WsTopics } from './ws-session';

/**
 * Where a plain (group-less) subscription starts: the broker's one start-position resolver
 * (consume/start-position.ts), so a `from` means here what it means for an event stream.
 */
export function resolvePlainStart(
  frame: SubscribeFrame,
  topics: WsTopics,
  limits: WsLimits,
): Promise<{ state: SubscriptionPartition; offset: number }[]> {
  return resolveStart(topics, frame.topic, frame.partitions, frame.from, limits.maxPartitionsPerSubscription);
}
