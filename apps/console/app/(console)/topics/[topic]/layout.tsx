import type { ReactNode } from 'react';
import { PageHeader } from '@/components/ui/page-header';
import { TopicTabs } from './topic-tabs';

/** Every page of one topic: its name and the tabs (overview, messages, search, configs, consumers). */
export default async function TopicLayout({ children, params }: { children: ReactNode; params: Promise<{ topic: string }> }) {
  const { topic } = await params;
  const name = decodeURIComponent(topic);
  return (
    <>
      <PageHeader title={name} crumbs={[{ href: '/topics', label: 'Topics' }]} />
      <TopicTabs topic={name} />
      <div className="mt-6">{children}</div>
    </>
  );
}
