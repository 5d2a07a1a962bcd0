import 'server-only';
import { unstable_rethrow } from 'next/navigation';
import { broker } from '@/lib/broker';
import { TOPIC_CONFIG_DOCS } from '../topic-config-docs';

interface BrokerConfigList {
  data: { name: string; value: string | null; source: string }[];
}

/** What the create form needs: the broker's default partition count and its default for each topic config. */
export interface CreateDefaults {
  partitions: number | null;
  brokerDefaults: Record<string, { value: string | null; source: string }>;
  /** Why the broker's own defaults are not shown (the user may not describe broker configs). */
  hidden?: string;
}

export async function createDefaults(): Promise<CreateDefaults> {
  try {
    const list = await broker.get<BrokerConfigList>('/v3/clusters/-/brokers/-/configs');
    const byName = new Map(list.data.map((c) => [c.name, c]));
    const brokerDefaults: CreateDefaults['brokerDefaults'] = {};
    for (const doc of TOPIC_CONFIG_DOCS) {
      const config = byName.get(doc.brokerName);
      if (config) brokerDefaults[doc.name] = { value: config.value, source: config.source };
    }
    const partitions = Number(byName.get('num.partitions')?.value);
    return { partitions: Number.isInteger(partitions) && partitions > 0 ? partitions : null, brokerDefaults };
  } catch (error) {
    unstable_rethrow(error);
    return { partitions: null, brokerDefaults: {}, hidden: (error as Error).message };
  }
}
