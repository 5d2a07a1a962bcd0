import type { Metadata } from 'next';
import { unstable_rethrow } from 'next/navigation';
import { ErrorBox } from '@/components/ui/error-box';
import { Badge, PageHeader, Section, Stat } from '@/components/ui/page-header';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { formatNumber } from '@/lib/format';
import { brokerAddress, brokerState } from './broker-state';
import { brokerSummaries, type BrokerSummaryList } from './data';

export const metadata: Metadata = { title: 'Brokers' };

/**
 * Every broker of the cluster as the broker answering sees it (its ClusterView): id, rack,
 * address, how many partitions it leads and holds, its state, and which one is the controller.
 * On one node: this broker, alone, the controller, leading every partition.
 */
export default async function BrokersPage() {
  let summary: BrokerSummaryList;
  try {
    summary = await brokerSummaries();
  } catch (error) {
    unstable_rethrow(error);
    return (
      <>
        <PageHeader title="Brokers" />
        <ErrorBox error={error} />
      </>
    );
  }
  const alive = summary.data.filter((b) => b.alive).length;
  const single = summary.mode === 'single';
  return (
    <>
      <PageHeader
        title="Brokers"
        description={
          single
            ? 'One node: this broker is the whole cluster, its controller and the leader of every partition. Set RUNNEL_METADATA_URL to run a cluster.'
            : 'Every registered broker, as the broker serving the console sees the cluster. A broker whose lease expired is not alive.'
        }
      />
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <Stat label="Brokers alive" value={`${alive} of ${summary.data.length}`} />
        <Stat
          label="Controller"
          value={summary.controller_id ?? 'none'}
          hint={summary.controller_id === null ? 'No broker holds the controller lease' : undefined}
        />
        <Stat
          label="Under-replicated"
          value={formatNumber(summary.under_replicated_partitions)}
          hint={`of ${formatNumber(summary.partitions)} partitions`}
        />
        <Stat label="Offline partitions" value={formatNumber(summary.offline_partitions)} hint="No live leader" />
      </dl>
      <Section title="Brokers">
        <Table caption="Brokers">
          <THead>
            <tr>
              <TH>ID</TH>
              <TH>Rack</TH>
              <TH>Address</TH>
              <TH className="text-right">Leaders</TH>
              <TH className="text-right">Replicas</TH>
              <TH>State</TH>
              <TH>Role</TH>
            </tr>
          </THead>
          <TBody>
            {summary.data.map((b) => {
              const state = brokerState(b);
              return (
                <TR key={b.broker_id}>
                  <TD className="tabular-nums" data-testid={`broker-${b.broker_id}`}>
                    {b.broker_id}
                  </TD>
                  <TD>{b.rack ?? '—'}</TD>
                  <TD className="font-mono text-xs">{brokerAddress(b)}</TD>
                  <TD className="text-right tabular-nums">{formatNumber(b.leader_count)}</TD>
                  <TD className="text-right tabular-nums">{formatNumber(b.replica_count)}</TD>
                  <TD>
                    <Badge tone={state.tone}>{state.label}</Badge>
                  </TD>
                  <TD>
                    <span className="flex gap-1">
                      {b.is_controller ? <Badge tone="blue">Controller</Badge> : null}
                      {b.is_local ? <Badge>This broker</Badge> : null}
                    </span>
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      </Section>
    </>
  );
}
