import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { PageHeader } from '@/components/ui/page-header';
import { getGroup, getLags, groupParam, groupPermissions } from '../../data';
import { ResetForm } from './reset-form';

export async function generateMetadata({ params }: { params: Promise<{ group: string }> }): Promise<Metadata> {
  return { title: `Reset offsets of ${groupParam((await params).group)}` };
}

/**
 * Resetting a group's committed offsets: choose a topic, partitions and a target, preview what
 * every partition would move from and to (the broker's dry run), then apply. The broker refuses
 * while the group has members (409 / 40901), and says so here.
 */
export default async function ResetPage({
  params,
  searchParams,
}: {
  params: Promise<{ group: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const name = groupParam((await params).group);
  const wanted = (await searchParams).topic;
  const crumbs = [
    { href: '/groups', label: 'Consumer groups' },
    { href: `/groups/${encodeURIComponent(name)}`, label: name },
  ];
  let loaded;
  try {
    loaded = await Promise.all([getGroup(name), getLags(name), groupPermissions(name)]);
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Reset offsets" crumbs={crumbs} />
        <ErrorBox error={error} />
      </>
    );
  }
  const [group, lags, allowed] = loaded;
  const members = group.members ?? [];
  const topics = [...new Set([...lags.map((l) => l.topic_name), ...members.flatMap((m) => m.subscription?.topics ?? [])])].sort();
  const initial = typeof wanted === 'string' && wanted ? wanted : (topics[0] ?? '');
  return (
    <>
      <PageHeader
        title="Reset offsets"
        crumbs={crumbs}
        description={`Moves the offsets group ${name} has committed, so its consumers next read from there. Preview first: nothing changes until you apply.`}
      />
      {members.length > 0 ? (
        <div className="mb-4">
          <Notice tone="warning">
            The group has {members.length} member{members.length === 1 ? '' : 's'} now. The broker resets offsets only while a group is
            empty: stop its consumers (or wait for their session timeout) first.
          </Notice>
        </div>
      ) : null}
      <ResetForm group={name} topics={topics} initialTopic={initial} disabledReason={allowed.resetDenied} />
    </>
  );
}
