import type { Metadata } from 'next';
import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { buttonClass } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Section } from '@/components/ui/page-header';
import { deniedReason, permissions, type PermissionCheck } from '@/lib/broker';
import { loadMessages, loadPartitions, MAX_MERGED_PARTITIONS, PAGE_SIZES, parseMessagesQuery, type MessagesPage } from './data';
import { LiveTail } from './live-tail';
import { MessagesView } from './messages-view';
import { SeekForm } from './seek-form';

export const metadata: Metadata = { title: 'Messages' };

/**
 * A topic's records: seek (newest, oldest, offset, time) in one partition or all of them merged
 * by time, page by page with the position in the URL; produce and re-produce; a live tail.
 */
export default async function MessagesPage({
  params,
  searchParams,
}: {
  params: Promise<{ topic: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const topic = decodeURIComponent((await params).topic);
  const query = parseMessagesQuery(await searchParams);
  const path = `/topics/${encodeURIComponent(topic)}/messages`;
  const write: PermissionCheck = { resource_type: 'TOPIC', resource_name: topic, operation: 'WRITE' };
  let page: MessagesPage;
  let readError: unknown = null;
  const allowed = permissions([write]).catch(() => [true]);
  try {
    page = await loadMessages(topic, query);
  } catch (error) {
    unstable_rethrow(error);
    // Without READ the records stay hidden, but a user who may write still gets the produce form.
    readError = error;
    try {
      page = {
        rows: [],
        direction: 'backward',
        partitions: await loadPartitions(topic),
        newer: null,
        older: null,
        omitted: 0,
        timestampType: undefined,
      };
    } catch (describeError) {
      unstable_rethrow(describeError);
      return <ErrorBox error={error} title="The broker refused to read this topic" />;
    }
  }
  const [canWrite] = await allowed;
  const partitionIds = page.partitions.map((p) => p.partition_id);
  const link = (name: 'from' | 'before', positions: string) => {
    const q = new URLSearchParams({ p: String(query.p), limit: String(query.limit), [name]: positions });
    return `${path}?${q.toString()}`;
  };
  const pager = (
    <nav aria-label="Pages" className="flex items-center justify-end gap-2 py-3 text-sm">
      {page.older ? (
        <Link className={buttonClass('secondary')} href={link('before', page.older)}>
          Older
        </Link>
      ) : null}
      {page.newer ? (
        <Link className={buttonClass('secondary')} href={link('from', page.newer)}>
          Newer
        </Link>
      ) : null}
    </nav>
  );
  return (
    <div className="space-y-6">
      <SeekForm
        key={JSON.stringify(query, (_, v) => (v instanceof Map ? [...v] : v))}
        path={path}
        partitions={partitionIds}
        p={query.p}
        seek={query.seek}
        offset={query.offset}
        ts={query.ts}
        limit={query.limit}
        sizes={PAGE_SIZES}
      />
      {page.omitted > 0 ? (
        <Notice tone="warning">
          All partitions reads the first {MAX_MERGED_PARTITIONS} partitions; {page.omitted} more are left out. Choose a partition to read
          them.
        </Notice>
      ) : null}
      {readError ? <ErrorBox error={readError} title="The broker refused to read this topic" /> : null}
      <MessagesView
        topic={topic}
        rows={page.rows}
        partitions={partitionIds}
        timestampType={page.timestampType}
        writeDenied={canWrite ? undefined : deniedReason(write)}
        newestFirst={page.direction === 'backward'}
        pager={pager}
      />
      <Section title="Live tail">
        <LiveTail topic={topic} partition={query.p} timestampType={page.timestampType} />
      </Section>
    </div>
  );
}
