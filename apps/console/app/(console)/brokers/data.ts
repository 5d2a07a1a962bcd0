import 'server-only';
import { broker } from '@/lib/broker';
import type { BrokerSummaryList } from './types';

export type { BrokerSummary, BrokerSummaryList } from './types';

export const brokerSummaries = () => broker.get<BrokerSummaryList>('/v3/clusters/-/broker-summaries');
