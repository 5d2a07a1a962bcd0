import {
  ConsumedRecord,
  ErrorFrame,
  RecordFormat,
  RecordsFrame,
  ServerFrame,
  StreamOptions,
  SubscriptionStream,
  errorFromFrame,
} from './subscription-stream';
import { RunnelClientError } from './errors';

/**
 * A consumer-group member over Runnel's WebSocket (API.md "WebSocket", "Consumer groups"): the
 * broker's coordinator assigns it partitions of the subscribed topics, starting each at the
 * group's committed offset (else `from`), and moves them between members as members come and go.
 *
 *   const consumer = new GroupConsumer({ baseUrl, group: 'billing', topic: 'orders', from: 'earliest' });
 *   consumer.onAssignment(({ assigned, revoked }) => log(assigned, revoked));
 *   for await (const record of consumer) { await handle(record); } // auto-commits what was handled
 *
 * What gets committed:
 * - auto_commit (the default): the broker commits what was delivered AND credited back, every
 *   `autoCommitIntervalMs`, on revocation and on leave. This client credits a record once the
 *   application asks for the next one (or closes), and at most 100 ms later, so auto-commit
 *   covers exactly the records the application finished with. close() (and `break` out of
 *   for-await) first commits the position after every record yielded, explicitly — the broker's
 *   commit covers whole frames only — then leaves, so the next member starts right after them.
 * - commit(): without offsets, the position after every record yielded so far, per owned
 *   partition (Kafka's commitSync()); with offsets, those. Commits go one at a time, each with a
 *   `ref` the broker echoes in its `committed` or error answer, so the promise settles with its
 *   own answer (an error frame without the ref is one that ends the subscription). A refused
 *   commit (40901 not owned / fenced, 40001 bad) rejects that promise only; the consumer goes on.
 *
 * Rebalances: an `assignment` frame arrives after the broker stopped delivering the revoked
 * partitions (and auto-committed them). Records of those partitions still queued here are skipped,
 * never yielded: the new owner reads them from the committed offset. Records yielded but not yet
 * credited or committed when a partition is revoked are redelivered to the new owner
 * (at-least-once). Removal by session timeout (or a rejoin elsewhere) is an error frame 40901:
 * the queued records are dropped and the iteration rejects with it. `cursor` does not exist here:
 * the group's committed offsets are the resume point.
 *
 * Cluster mode: a group lives on its coordinator broker, which may move. An error frame 50003
 * (NOT_COORDINATOR, naming the coordinator) or a socket that drops under a member makes the
 * consumer follow it: listeners see everything revoked, the queued records are dropped (the next
 * assignment redelivers them from the committed offsets: at-least-once), and it connects to the
 * named coordinator (else the URL it used) and rejoins with its member id (fresh, if the broker
 * refuses that id with 40901). A commit in flight then rejects with that retriable error. Retries
 * back off from 100 ms doubling to 2 s; after `coordinatorRetryMs` of consecutive failures the
 * iteration rejects with the last error. The application's for-await sees nothing else.
 */

export type GroupAssignor = 'range' | 'round-robin' | 'cooperative-sticky';

export interface GroupConsumerOptions extends StreamOptions {
  group: string;
  /** At least one of topic, topics and topicPrefix. */
  topic?: string;
  topics?: string[];
  /** Every topic whose name starts with it, including topics created later. */
  topicPrefix?: string;
  /** Where a partition without a committed offset starts; default 'latest' (auto.offset.reset). */
  from?: 'earliest' | 'latest';
  format?: RecordFormat;
  /** Default true. */
  autoCommit?: boolean;
  /** Broker default 5000 (100 to 3,600,000). */
  autoCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
  /** Must match the group's; the broker's default is cooperative-sticky. */
  assignor?: GroupAssignor;
  /** Rejoin as this member (e.g. after a reconnect, within its session timeout). */
  memberId?: string;
  clientId?: string;
  /** How long to keep following a moved coordinator / lost connection before failing; default 60000. */
  coordinatorRetryMs?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface AssignmentChange {
  /** With the offset delivery starts at. */
  assigned: TopicPartitionOffset[];
  revoked: TopicPartition[];
}

export interface CommitOffset {
  /** May be left out when the subscription reads one named topic. */
  topic?: string;
  partition: number;
  /** The next offset to read (as Kafka). */
  offset: number;
  metadata?: string;
}

/** How long a processed record may wait for its credit (so auto-commit sees it). */
const CREDIT_FLUSH_MS = 100;
/** How long close() waits for the commit of what was taken. */
const CLOSE_COMMIT_TIMEOUT_MS = 5000;
const NOT_COORDINATOR = 50003;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

export class GroupConsumer extends SubscriptionStream<TopicPartitionOffset[]> {
  readonly group: string;
  /** Set by the `subscribed` answer. */
  memberId: string | undefined;
  generation: number | undefined;
  /** Owned partitions: topic -> partition -> where delivery started. */
  private readonly owned = new Map<string, Map<number, number>>();
  /** Next offset after the last record yielded, per owned partition. */
  private readonly positions = new Map<string, Map<number, number>>();
  /** Revoked partitions: records in frames up to this seq are skipped. */
  private readonly revokedUpTo = new Map<string, Map<number, number>>();
  private revokedMaxSeq = 0;
  private readonly listeners = new Set<(change: AssignmentChange) => void>();
  private commitTail: Promise<unknown> = Promise.resolve();
  private inFlight: { ref: number; resolve: (offsets: TopicPartitionOffset[]) => void; reject: (error: Error) => void } | undefined;
  private commitRef = 0;
  private readonly autoCommit: boolean;
  private readonly coordinatorRetryMs: number;
  /** The broker the socket goes to (the last coordinator named). */
  private url: string;
  /** When the current run of failed reconnects started (undefined while subscribed). */
  private retryingSince: number | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Ends a run of reconnects that hangs (a connect or a rejoin never answered) at coordinatorRetryMs. */
  private giveUpTimer: NodeJS.Timeout | undefined;
  private lastError: RunnelClientError | undefined;
  /** Rejoining with an old member id: a 40901 to it means join fresh (once). */
  private rejoiningAs: string | undefined;
  /** False from a move until the rejoin's `subscribed`: commits are refused (retriable) meanwhile. */
  private joined = true;

  constructor(options: GroupConsumerOptions) {
    super(options, subscribeFields(options), CREDIT_FLUSH_MS);
    this.group = options.group;
    this.autoCommit = options.autoCommit ?? true;
    this.coordinatorRetryMs = options.coordinatorRetryMs ?? 60_000;
    if (!(Number.isFinite(this.coordinatorRetryMs) && this.coordinatorRetryMs >= 0))
      throw new RangeError(`coordinatorRetryMs must be a non-negative number, not ${options.coordinatorRetryMs}`);
    this.url = options.baseUrl;
  }

  /** The partitions this member owns now, with the offset delivery of each started at. */
  get assignment(): TopicPartitionOffset[] {
    const list: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.owned) for (const [partition, offset] of partitions) list.push({ topic, partition, offset });
    return list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /**
   * Calls `listener` with every change of ownership: the initial assignment (when registered
   * before it arrived), then each rebalance. Answers a function that removes the listener. A
   * listener that throws fails the consumer.
   */
  onAssignment(listener: (change: AssignmentChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Commits (see the class comment); resolves with what the broker committed. */
  commit(offsets?: CommitOffset[]): Promise<TopicPartitionOffset[]> {
    const run = (): Promise<TopicPartitionOffset[]> => this.sendCommit(offsets);
    const result = this.commitTail.then(run, run);
    this.commitTail = result.catch(() => undefined);
    return result;
  }

  protected onSubscribed(frame: ServerFrame): TopicPartitionOffset[] {
    this.memberId = frame.member_id as string;
    this.generation = frame.generation as number;
    this.retryingSince = undefined;
    this.joined = true;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.rejoiningAs = undefined;
    const assigned = (frame.assignment as TopicPartitionOffset[]) ?? [];
    for (const a of assigned) mapOf(this.owned, a.topic).set(a.partition, a.offset);
    this.emit({ assigned, revoked: [] });
    return assigned;
  }

  protected accept(record: ConsumedRecord, frame: RecordsFrame): boolean {
    if (this.revokedMaxSeq !== 0 && frame.seq <= (this.revokedUpTo.get(record.topic)?.get(record.partition) ?? 0)) return false;
    mapOf(this.positions, record.topic).set(record.partition, record.offset + 1);
    return true;
  }

  protected override frameDone(frame: RecordsFrame): void {
    if (this.revokedMaxSeq !== 0 && frame.seq >= this.revokedMaxSeq) {
      this.revokedUpTo.clear();
      this.revokedMaxSeq = 0;
    }
  }

  protected override onOtherFrame(frame: ServerFrame): void {
    if (frame.type === 'assignment') {
      const assigned = (frame.assigned as TopicPartitionOffset[]) ?? [];
      const revoked = (frame.revoked as TopicPartition[]) ?? [];
      const seq = this.lastFrameSeq;
      for (const r of revoked) {
        this.owned.get(r.topic)?.delete(r.partition);
        this.positions.get(r.topic)?.delete(r.partition);
        if (seq > 0) {
          mapOf(this.revokedUpTo, r.topic).set(r.partition, seq);
          this.revokedMaxSeq = seq;
        }
      }
      for (const a of assigned) mapOf(this.owned, a.topic).set(a.partition, a.offset);
      this.emit({ assigned, revoked });
    } else if (frame.type === 'committed' && this.inFlight !== undefined && frame.ref === this.inFlight.ref) {
      const commit = this.inFlight;
      this.inFlight = undefined;
      commit.resolve((frame.offsets as TopicPartitionOffset[]) ?? []);
    }
  }

  protected override onErrorFrame(frame: ErrorFrame): void {
    const error = errorFromFrame(frame);
    // The broker echoes a commit's `ref` in its answer; an error without it ends the subscription.
    if (this.inFlight !== undefined && (frame as { ref?: unknown }).ref === this.inFlight.ref) {
      const commit = this.inFlight;
      this.inFlight = undefined;
      commit.reject(error);
      return;
    }
    if (error.errorCode === NOT_COORDINATOR) return this.follow(error, coordinatorUrl(frame));
    if (error.errorCode === 40901 && this.rejoiningAs !== undefined) {
      // The new coordinator does not know the old member id: join fresh, once, right away.
      this.rejoiningAs = undefined;
      delete this.subscribeFields.member_id;
      this.dropSocket();
      this.connect(this.url);
      return;
    }
    // Removed from the group: what is queued here is being delivered to another member now.
    if (error.errorCode === 40901) this.discardQueued();
    this.fail(error);
  }

  /**
   * With auto-commit, commits the position after every record taken (the broker's own commit on
   * leave only covers whole frames credited back, and one frame may hold the whole backlog), then
   * credits what was taken. Bounded by CLOSE_COMMIT_TIMEOUT_MS: a broker that does not answer
   * cannot hold close() up; the records are then delivered again (at-least-once).
   */
  protected override async beforeClose(): Promise<void> {
    if (this.autoCommit && this.memberId !== undefined && this.yieldedPositions().length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_COMMIT_TIMEOUT_MS)));
      const committed = this.commit().then(
        () => undefined,
        () => undefined, // refused or failed: the records come again (at-least-once)
      );
      await Promise.race([committed, timeout]);
      clearTimeout(timer);
    }
    this.flushCredit();
  }

  protected override onSocketLost(error: RunnelClientError): void {
    // Before the first join (a wrong URL, a broker not up) a lost socket ends the consumer.
    if (this.memberId === undefined && this.retryingSince === undefined) return this.fail(error);
    this.follow(error, undefined);
  }

  /**
   * The coordinator moved (or the connection dropped): revoke everything, drop the socket and what
   * it queued, and rejoin at `url` (else the last URL) after the backoff, within coordinatorRetryMs.
   */
  private follow(error: RunnelClientError, url: string | undefined): void {
    const commit = this.inFlight;
    this.inFlight = undefined;
    commit?.reject(error);
    const revoked: TopicPartition[] = [];
    for (const [topic, partitions] of this.owned) for (const partition of partitions.keys()) revoked.push({ topic, partition });
    this.owned.clear();
    this.positions.clear();
    this.revokedUpTo.clear();
    this.revokedMaxSeq = 0;
    this.joined = false;
    this.dropSocket();
    if (revoked.length > 0) this.emit({ assigned: [], revoked });
    const now = Date.now();
    this.lastError = error;
    if (this.retryingSince === undefined) {
      this.retryingSince = now;
      this.giveUpTimer = setTimeout(() => {
        this.giveUpTimer = undefined;
        if (this.joined || this.endedWith !== null) return;
        this.dropSocket();
        this.fail(this.lastError ?? error);
      }, this.coordinatorRetryMs);
    }
    if (now - this.retryingSince >= this.coordinatorRetryMs) return this.fail(error);
    if (url !== undefined) this.url = url;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.endedWith !== null) return;
      if (this.memberId !== undefined) this.subscribeFields.member_id = this.memberId;
      this.rejoiningAs = this.subscribeFields.member_id as string | undefined;
      this.connect(this.url);
    }, delay);
  }

  protected override onEnd(error: Error): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    const commit = this.inFlight;
    this.inFlight = undefined;
    commit?.reject(error);
  }

  private async sendCommit(offsets: CommitOffset[] | undefined): Promise<TopicPartitionOffset[]> {
    await this.ready();
    const ended = this.endedWith;
    if (ended !== null) throw ended;
    const list =
      offsets?.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata })) ?? this.yieldedPositions();
    if (list.length === 0) return [];
    return new Promise((resolve, reject) => {
      const ref = ++this.commitRef;
      this.inFlight = { ref, resolve, reject };
      if (!this.joined || !this.sendFrame({ type: 'commit', sub: this.sub, ref, offsets: list })) {
        this.inFlight = undefined;
        reject(new RunnelClientError(`group '${this.group}': not connected to its coordinator now; retry`, NOT_COORDINATOR, 0, true));
      }
    });
  }

  private yieldedPositions(): TopicPartitionOffset[] {
    const list: TopicPartitionOffset[] = [];
    for (const [topic, partitions] of this.positions) for (const [partition, offset] of partitions) list.push({ topic, partition, offset });
    return list;
  }

  private emit(change: AssignmentChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/** The subscribe frame's group fields, checked as the broker checks them (a TypeError here instead of an error frame later). */
function subscribeFields(o: GroupConsumerOptions): Record<string, unknown> {
  if (typeof o.group !== 'string' || o.group.length === 0 || o.group.length > 255)
    throw new TypeError('group must be a string of 1 to 255 characters');
  if (o.topic === undefined && (o.topics === undefined || o.topics.length === 0) && o.topicPrefix === undefined) {
    throw new TypeError('a group consumer needs topic, topics or topicPrefix');
  }
  if (o.from !== undefined && o.from !== 'earliest' && o.from !== 'latest') {
    throw new TypeError("a group consumer's from must be 'earliest' or 'latest': it applies where the group has no committed offset");
  }
  const fields: Record<string, unknown> = { group: o.group };
  const set = (name: string, value: unknown): void => {
    if (value !== undefined) fields[name] = value;
  };
  set('topic', o.topic);
  set('topics', o.topics);
  set('topic_prefix', o.topicPrefix);
  set('from', o.from);
  set('format', o.format);
  set('auto_commit', o.autoCommit);
  set('auto_commit_interval_ms', o.autoCommitIntervalMs);
  set('session_timeout_ms', o.sessionTimeoutMs);
  set('assignor', o.assignor);
  set('member_id', o.memberId);
  set('client_id', o.clientId);
  return fields;
}

/** The `coordinator.url` a NOT_COORDINATOR frame names, if any. */
function coordinatorUrl(frame: ErrorFrame): string | undefined {
  const coordinator = (frame as { coordinator?: { url?: unknown } }).coordinator;
  return typeof coordinator?.url === 'string' && coordinator.url.length > 0 ? coordinator.url : undefined;
}

function mapOf<V>(maps: Map<string, Map<number, V>>, topic: string): Map<number, V> {
  let map = maps.get(topic);
  if (!map) {
    map = new Map();
    maps.set(topic, map);
  }
  return map;
}
