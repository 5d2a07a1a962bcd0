import { BrokerProcess, startBroker } from '../support/broker-process';
import { GROUP_ENV, Member, createTopic, eventually, rest } from './group-support';

/**
 * Session time is measured on the broker's progress: a broker stopped (SIGSTOP) for longer than
 * a member's session timeout could read no heartbeat meanwhile, so when it runs again (SIGCONT)
 * it must not evict the member for it — no 40901 frame, no rebalance, the member still listed.
 */
async function metric(broker: BrokerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${broker.baseUrl}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

describe('broker process: a broker pause does not evict group members', () => {
  let broker: BrokerProcess | undefined;
  let member: Member | undefined;
  afterEach(async () => {
    member?.close();
    if (broker) process.kill(broker.pid, 'SIGCONT');
    await broker?.stop('SIGKILL');
    broker = undefined;
  });

  it('keeps a member over a SIGSTOP longer than its session timeout', async () => {
    broker = await startBroker({ env: GROUP_ENV });
    await createTopic(broker, 'orders', 2);
    // A session long enough that this test process, stalled by a loaded machine, still heartbeats in
    // time: only the broker's own pause may exceed it.
    member = await Member.join(broker, { group: 'billing', topic: 'orders', session_timeout_ms: 8000 });
    await member.untilOwns(2);
    const rebalances = await metric(broker, 'runnel_consumer_group_rebalances_total');

    process.kill(broker.pid, 'SIGSTOP');
    // The pause itself: two and a half session timeouts during which the broker runs no code at all.
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    process.kill(broker.pid, 'SIGCONT');

    // The first session check after the pause saw it and extended the sessions ...
    await eventually(
      () => metric(broker!, 'runnel_consumer_group_session_pauses_forgiven_total'),
      (n) => n >= 1,
    );
    // ... and the member keeps heartbeating from then on: still there a while later.
    const deadline = Date.now() + 3000;
    await eventually(
      () => rest(broker!, 'GET', '/consumer-groups/billing'),
      (r) => Date.now() > deadline || r.body.members.length !== 1,
    );
    const group = await rest(broker, 'GET', '/consumer-groups/billing');
    // One comparison, so a failure shows why the member went (its error frames, the socket's close
    // code, the broker's log lines about it) next to what was expected.
    const observed = {
      members: group.body.members.map((m: { consumer_id: string }) => m.consumer_id),
      errors: member.client.of('error', 'g'),
      assignments: member.client.of('assignment', 'g'),
      closeCode: member.client.closeCode,
    };
    const expected = { members: [member.memberId], errors: [], assignments: [], closeCode: undefined };
    if (JSON.stringify(observed) !== JSON.stringify(expected)) {
      Object.assign(observed, {
        brokerLog: broker
          .output()
          .split('\n')
          .filter((line) => /member|session|WebSocket|group/i.test(line))
          .slice(-30),
      });
    }
    expect(observed).toEqual(expected);
    expect(await metric(broker, 'runnel_consumer_group_rebalances_total')).toBe(rebalances);
  }, 60_000);
});
