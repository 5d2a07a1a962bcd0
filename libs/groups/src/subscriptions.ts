/**
 * Resolves subscriptions (exact topics + prefixes) against the catalog. A resolver is built for
 * one catalog snapshot and caches per distinct subscription, because the members of a group
 * usually share one and prefix matching scans every topic.
 */
import { compareStrings } from './assignors';
import type { GroupSubscription } from './types';
import { compileTopicPattern } from './validation';

export class SubscriptionResolver {
  private readonly cache = new Map<string, ReadonlySet<string>>();

  constructor(readonly catalog: ReadonlyMap<string, number>) {}

  /** The catalog topics the subscription matches; prefixes never match internal (`__`) topics. */
  resolve(subscription: GroupSubscription): ReadonlySet<string> {
    const cacheKey = JSON.stringify([subscription.topics, subscription.topicPrefixes, subscription.topicPattern]);
    const cached = this.cache.get(cacheKey);
    if (cached) return cached;
    const topics = new Set<string>();
    for (const topic of subscription.topics) if (this.catalog.has(topic)) topics.add(topic);
    // Checked when the member joined (or restored from a record that was checked then).
    const pattern = subscription.topicPattern === undefined ? undefined : compileTopicPattern(subscription.topicPattern);
    if (subscription.topicPrefixes.length > 0 || pattern) {
      for (const topic of this.catalog.keys()) {
        if (topic.startsWith('__')) continue;
        if (subscription.topicPrefixes.some((prefix) => topic.startsWith(prefix)) || pattern?.test(topic)) topics.add(topic);
      }
    }
    this.cache.set(cacheKey, topics);
    return topics;
  }

  /** Identifies what an assignment depends on: each member's topics and their partition counts. */
  signature(members: readonly { readonly memberId: string; readonly topics: ReadonlySet<string> }[]): string {
    const parts: string[] = [];
    for (const member of members) {
      const topics = [...member.topics].sort(compareStrings);
      parts.push(JSON.stringify([member.memberId, topics.map((topic) => [topic, this.catalog.get(topic) ?? 0])]));
    }
    return parts.join('\n');
  }
}
