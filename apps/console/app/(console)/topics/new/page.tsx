import { Notice } from '@/components/ui/error-box';
import { PageHeader } from '@/components/ui/page-header';
import { createDeniedReason } from '../data';
import { createDefaults } from './data';
import { CreateTopicForm } from './create-topic-form';

/** Create a topic: name, partitions, replication factor and configs, previewed by the broker (validate_only) before creating. */
export default async function NewTopicPage() {
  const [denied, defaults] = await Promise.all([createDeniedReason(), createDefaults()]);
  return (
    <>
      <PageHeader
        title="Create topic"
        crumbs={[{ href: '/topics', label: 'Topics' }]}
        description="Preview asks the broker to validate the topic without creating it."
      />
      {denied ? (
        <div className="mb-4">
          <Notice tone="warning">{denied}</Notice>
        </div>
      ) : null}
      <CreateTopicForm defaults={defaults} disabledReason={denied} />
    </>
  );
}
