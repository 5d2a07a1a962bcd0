/* eslint-disable @typescript-eslint/no-explicit-any -- broker answers are read field by field */
import type { Browser, Page } from 'playwright-core';
import { Instance } from '../../../broker/test/consumers/consumer-support';
import { eventually } from '../../../broker/test/support/acl-helpers';
import { jsonCall } from '../../../broker/test/support/json-call';
import { createTopicOn } from '../../../broker/test/support/topic-helpers';
import { encodeRecordBatch } from '@runnel/protocol';
import { formatTime } from '../../lib/format';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The consumer-group pages in a real Chromium against a real console and broker: a group made by
 * an HTTP consumer's commits shows in the list with its lag (and a group created meanwhile is
 * announced by the change stream), its page shows the lag of each partition, an offset reset is
 * previewed (before → after) and then applied (the broker's committed offsets are the new ones),
 * a group with members cannot be reset (the broker's 40901 message is shown) nor deleted, and an
 * empty group is deleted after typing its id.
 */
let browser: Browser;
let stack: Stack;
const members: Instance[] = [];

/** Records of both partitions are a minute apart from T0 (offset i at T0 + i min), so lag in time is known. */
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
const at = (offset: number) => T0 + offset * 60_000;

async function produceTimed(partition: number, count: number): Promise<void> {
  const batch = encodeRecordBatch({
    records: Array.from({ length: count }, (_, i) => ({
      timestamp: at(i),
      key: null,
      value: Buffer.from(`p${partition}-${i}`),
      headers: [],
    })),
  });
  const answer = await fetch(`${stack.broker.baseUrl}/v3/clusters/-/topics/orders/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  expect(answer.status).toBe(200);
}

const groupsUrl = (route = '') => `${stack.broker.baseUrl}/v3/clusters/-/consumer-groups${route}`;

/** The broker's committed offsets of `group` on `topic`, by partition. */
async function committed(group: string, topic: string): Promise<Record<number, number>> {
  const answer = await jsonCall('GET', groupsUrl(`/${group}/lags`));
  expect(answer.status).toBe(200);
  return Object.fromEntries(
    answer.body.data.filter((l: any) => l.topic_name === topic).map((l: any) => [l.partition_id, l.current_offset]),
  );
}

/** Opens `path` until `ready` holds for the rendered page (server data may lag one history sample). */
async function openUntil(page: Page, path: string, ready: () => Promise<boolean>, what: string): Promise<void> {
  await eventually(
    async () => {
      await page.goto(`${stack.console.baseUrl}${path}`);
      return ready();
    },
    30_000,
    what,
  );
}

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack({ brokerEnv: { RUNNEL_HISTORY_INTERVAL_MS: '200' } });
  await createTopicOn(stack.broker, 'orders', 2);
  await produceTimed(0, 10);
  await produceTimed(1, 10);
  // "billing": an HTTP consumer assigned both partitions commits 3 and 5, then leaves: an empty group lagging 7 + 5.
  const billing = await Instance.create(stack.broker, 'billing', { 'enable.auto.commit': false });
  const partitions = [0, 1].map((partition) => ({ topic: 'orders', partition }));
  expect((await billing.call('POST', '/assignments', { partitions })).status).toBe(204);
  const offsets = [
    { topic: 'orders', partition: 0, offset: 3 },
    { topic: 'orders', partition: 1, offset: 5 },
  ];
  expect((await billing.call('POST', '/offsets', { offsets })).status).toBe(204);
  expect((await billing.call('DELETE', '')).status).toBe(204);
  // "live": a subscribed consumer, so the group has a member.
  const live = await Instance.create(stack.broker, 'live', { 'enable.auto.commit': false, 'auto.offset.reset': 'earliest' });
  members.push(live);
  expect((await live.call('POST', '/subscription', { topics: ['orders'] })).status).toBe(204);
  await eventually(
    async () => {
      await live.poll(0);
      return (await jsonCall('GET', groupsUrl('/live'))).body?.members_count > 0;
    },
    30_000,
    'the live group to have a member',
  );
}, 120_000);

afterAll(async () => {
  for (const member of members) await member.call('DELETE', '').catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

describe('consumer group pages', () => {
  it('lists groups with state, members and lag, searched and filtered on the server', async () => {
    const page = await browser.newPage();
    const billing = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'billing', exact: true }) });
    // The lag is the history sampler's latest: reload until it has sampled the commits.
    await openUntil(page, '/groups', async () => (await billing.getByTestId('lag').textContent()) === '12', 'billing to lag 12 records');
    // Lag in time: the newest record (offset 9) is 6 minutes after the first not consumed on partition 0 (offset 3).
    await openUntil(
      page,
      '/groups',
      async () => (await billing.getByTestId('lag-time').textContent()) === '6 min 0 s',
      'billing to lag 6 min',
    );
    expect(await billing.textContent()).toContain('EMPTY');
    expect(await billing.textContent()).toContain('orders');
    const live = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'live', exact: true }) });
    expect(await live.textContent()).toContain('STABLE');

    await page.getByLabel('Search').fill('BILL');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/search=BILL/);
    await page.getByText('1 shown of 1').waitFor();
    expect(await page.getByRole('link', { name: 'live', exact: true }).count()).toBe(0);

    await page.goto(`${stack.console.baseUrl}/groups?state=STABLE`);
    await page.getByRole('link', { name: 'live', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'billing', exact: true }).count()).toBe(0);
    expect(await page.getByLabel('State').inputValue()).toBe('STABLE');

    // Sorting by lag, descending, is the broker's order (a link, so the server sorts).
    await page.goto(`${stack.console.baseUrl}/groups`);
    await page.getByRole('link', { name: 'Lag', exact: true }).click();
    await page.waitForURL(/sort=lag&order=asc/);
    await page.getByRole('link', { name: 'Lag', exact: true }).click();
    await page.waitForURL(/sort=lag&order=desc/);
    expect(await page.getByRole('columnheader', { name: 'Lag', exact: true }).getAttribute('aria-sort')).toBe('descending');
    const shown = await page.getByRole('table', { name: 'Consumer groups' }).locator('tbody').getByRole('link').allTextContents();
    const sorted = await jsonCall('GET', `${stack.broker.baseUrl}/v3/clusters/-/consumer-group-summaries?sort=lag&order=desc`);
    expect(shown).toEqual(sorted.body.data.map((g: any) => g.consumer_group_id));
    await page.close();
  });

  it('announces a group created while the list is open, and shows it after a refresh', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups`);
    await page.getByText('Live updates on').waitFor();
    // An offset reset of an unknown group creates it (as Kafka's tool does): the page counts it.
    const reset = await jsonCall('POST', groupsUrl('/audit/offsets:reset'), { topic: 'orders', to: 'earliest' });
    expect(reset.status).toBe(200);
    await page.getByText('1 new group', { exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'audit', exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('link', { name: 'audit', exact: true }).waitFor();
    expect(await page.getByText('1 new group', { exact: true }).count()).toBe(0);

    // Deleted elsewhere: its row says so until the next refresh.
    expect((await jsonCall('DELETE', groupsUrl('/audit'))).status).toBe(204);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'audit', exact: true }) });
    await row.getByText('DELETED').waitFor();
    await page.close();
  });

  it('opens a group whose id has spaces, a slash and a percent sign', async () => {
    const odd = 'team a/b 100%';
    expect((await jsonCall('POST', groupsUrl(`/${encodeURIComponent(odd)}/offsets:reset`), { topic: 'orders', to: 'latest' })).status).toBe(
      200,
    );
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups?search=${encodeURIComponent('a/b 100%')}`);
    await page.getByRole('link', { name: odd, exact: true }).click();
    await page.getByRole('heading', { name: odd, exact: true }).waitFor();
    const rows = page.getByRole('table', { name: 'Lag of every partition the group committed or owns' }).getByRole('row');
    expect((await rows.nth(1).getByRole('cell').allTextContents()).slice(0, 5)).toEqual(['orders', '0', '10', '10', '0']);
    await page.close();
  });

  it('shows a group with its members, per-partition lag and lag charts', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups/billing`);
    await page.getByRole('heading', { name: 'billing' }).waitFor();
    const lags = page.getByRole('table', { name: 'Lag of every partition the group committed or owns' });
    const p0 = lags.getByRole('row').nth(1);
    const p1 = lags.getByRole('row').nth(2);
    expect((await p0.getByRole('cell').allTextContents()).slice(0, 6)).toEqual(['orders', '0', '3', '10', '7', '6 min 0 s']);
    expect((await p1.getByRole('cell').allTextContents()).slice(0, 6)).toEqual(['orders', '1', '5', '10', '5', '4 min 0 s']);
    await page.getByText('No members: nobody consumes with this group now.').waitFor();
    // The charts draw the broker's lag history; their text alternative names the latest values.
    expect(await page.getByRole('img', { name: /^Total lag \(records\)\. Latest total lag: 12\.$/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^Lag in time\. Latest behind the newest record: 6 min 0 s\.$/ }).count()).toBe(1);

    // A group with a member lists it with its partitions; it cannot be deleted while it has one.
    await page.goto(`${stack.console.baseUrl}/groups/live`);
    const memberRows = page.getByRole('table', { name: 'Members of the group and their partitions' }).getByRole('row');
    await memberRows.filter({ hasText: 'orders: 0, 1' }).first().waitFor(); // the page streams in
    expect(await memberRows.count()).toBe(2);
    expect(await memberRows.nth(1).textContent()).toContain('orders: 0, 1');
    const remove = page.getByRole('button', { name: /Delete group/ });
    expect(await remove.isDisabled()).toBe(true);
    expect(await remove.getAttribute('title')).toContain('stop its consumers first');
    await page.close();
  });

  it('previews an offset reset per partition, then applies it: the broker holds the new offsets', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups/billing/reset`);
    expect(await page.getByLabel('Topic').inputValue()).toBe('orders');
    await page.getByRole('radio', { name: 'Earliest' }).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.waitFor();
    expect(await preview.getByTestId('offset-0').textContent()).toBe('3 → 0');
    expect(await preview.getByTestId('offset-1').textContent()).toBe('5 → 0');
    // The lag after needs the topic's high watermarks, which the form loads beside the preview.
    await preview.getByTestId('lag-0').filter({ hasText: '7 → 10' }).waitFor();
    // A preview changes nothing.
    expect(await committed('billing', 'orders')).toEqual({ 0: 3, 1: 5 });

    await page.getByRole('button', { name: 'Apply reset' }).click();
    await page.getByText('Offsets reset: 2 partitions of orders now start at the new offsets.').waitFor();
    expect(await committed('billing', 'orders')).toEqual({ 0: 0, 1: 0 });

    // One partition to an offset: only that one moves.
    await page.getByLabel('All partitions').uncheck();
    await page.getByLabel('Partition 1').check();
    await page.getByRole('radio', { name: 'An offset' }).check();
    await page.getByRole('textbox', { name: 'Offset' }).fill('8');
    await page.getByRole('button', { name: 'Preview' }).click();
    await preview.waitFor();
    expect(await preview.getByTestId('offset-1').textContent()).toBe('0 → 8');
    expect(await preview.getByTestId('offset-0').count()).toBe(0);
    await page.getByRole('button', { name: 'Apply reset' }).click();
    await page.getByText('Offsets reset: 1 partition of orders now start at the new offsets.').waitFor();
    expect(await committed('billing', 'orders')).toEqual({ 0: 0, 1: 8 });
    await page.close();

    // To a time, written in the user's zone: the first record at or after it.
    const context = await browser.newContext();
    await context.addCookies([{ name: 'runnel_tz', value: 'Asia/Tokyo', url: stack.console.baseUrl }]);
    const tokyo = await context.newPage();
    await tokyo.goto(`${stack.console.baseUrl}/groups/billing/reset`);
    await tokyo.getByRole('radio', { name: 'A time' }).check();
    await tokyo.getByRole('textbox', { name: 'Time (Asia/Tokyo)' }).fill(formatTime(at(5) - 30_000, 'Asia/Tokyo').slice(0, 19));
    await tokyo.getByRole('button', { name: 'Preview' }).click();
    const byTime = tokyo.getByRole('region', { name: 'Preview' });
    await byTime.waitFor();
    expect(await byTime.getByTestId('offset-0').textContent()).toBe('0 → 5');
    expect(await byTime.getByTestId('offset-1').textContent()).toBe('8 → 5');
    await tokyo.getByRole('button', { name: 'Apply reset' }).click();
    await tokyo.getByText('Offsets reset: 2 partitions of orders now start at the new offsets.').waitFor();
    expect(await committed('billing', 'orders')).toEqual({ 0: 5, 1: 5 });
    await context.close();
  });

  it("shows the broker's 40901 message when the group has members", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups/live/reset`);
    await page.getByText('The group has 1 member now.').waitFor();
    await page.getByRole('radio', { name: 'Latest' }).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'error 40901' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain(
      "Consumer group 'live' has 1 member(s): offsets can only be reset while the group is empty.",
    );
    await page.getByText('The group must be empty to reset its offsets').waitFor();
    expect(await page.getByRole('region', { name: 'Preview' }).count()).toBe(0);
    await page.close();
  });

  it('deletes an empty group after its id is typed', async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.console.baseUrl}/groups/billing`);
    const remove = page.getByRole('button', { name: 'Delete group' });
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type billing to confirm').fill('billin');
    expect(await remove.isDisabled()).toBe(true);
    await page.getByLabel('Type billing to confirm').fill('billing');
    await remove.click();
    await page.waitForURL(`${stack.console.baseUrl}/groups`);
    const gone = await jsonCall('GET', groupsUrl('/billing'));
    expect(gone.status).toBe(404);
    expect(gone.body.error_code).toBe(40404);
    await page.getByRole('link', { name: 'live', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'billing', exact: true }).count()).toBe(0);

    // The list follows the change stream in place: the live group empties when its consumer leaves.
    const live = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'live', exact: true }) });
    expect(await live.textContent()).toContain('STABLE');
    await page.getByText('Live updates on').waitFor();
    expect((await members.pop()!.call('DELETE', '')).status).toBe(204);
    await live.getByText('EMPTY').waitFor();
    await page.close();
  });
});
