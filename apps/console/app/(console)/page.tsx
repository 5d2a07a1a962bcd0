import { PageHeader } from '@/components/ui/page-header';

// The overview (brokers, health, charts, recent audit events) is built by the topics area.
export default function OverviewPage() {
  return <PageHeader title="Overview" />;
}
