import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';
import { brokerCall, createTopic, produce, until } from './helpers';

/**
 * One topic's pages and the overview in a real Chromium against a real console and broker (auth
 * off): partitions with their offsets, a config edited through its diff and read back, consumers
 * with their lag, records deleted before an offset, partitions added, the topic deleted after
 * typing its name.
 */
let browser: Browser;
let stack: Stack;
let page: Page;
const T = 'pages-a';

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack()]);
  page = await browser.newPage();
  // More audit events than the overview shows, older than this test's.
  for (let i = 0; i < 25; i++) await createTopic(stack.broker, `older-${i}`, 1);
  await createTopic(stack.broker, T, 2);
  await produce(stack.broker, T, 0, 5);
  await produce(stack.broker, T, 1, 2);
  // A group that has read 2 of partition 0's 5 records.
  const reset = await brokerCall(stack.broker, 'POST', '/v3/clusters/-/consumer-groups/billing/offsets:reset', {
    topic: T,
    partitions: [0],
    to: { offset: 2 },
  });
  expect(reset.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const topicUrl = () => `${stack.console.baseUrl}/topics/${T}`;

it('shows the partitions with leader, replicas, ISR, earliest offset and high watermark', async () => {
  await page.goto(topicUrl());
  const table = page.getByRole('table', { name: `Partitions of ${T}` });
  await table.waitFor();
  expect(await table.locator('tbody tr').count()).toBe(2);
  const first = await table.locator('tbody tr').first().locator('td').allTextContents();
  const brokerId = String((await brokerCall(stack.broker, 'GET', '/v3/clusters/-/brokers')).body.data[0].broker_id);
  expect(first).toEqual(['0', brokerId, brokerId, brokerId, '0', '5', '5']);
  expect(await page.getByTestId('hw-1').textContent()).toBe('2');
  await page.getByRole('term').filter({ hasText: 'Records' }).waitFor();
  expect(await page.locator('dl div').filter({ hasText: 'Records' }).locator('dd').first().textContent()).toBe('7');
});

it('edits a config through a diff of the changes, then the broker has it', async () => {
  await page.goto(`${topicUrl()}/configs`);
  const retention = page.getByLabel('retention.ms', { exact: true });
  await retention.waitFor();
  expect(await page.getByRole('button', { name: /^Review/ }).isDisabled()).toBe(true);

  // A value the form can tell is wrong: named, and nothing to review.
  await page.getByLabel('segment.bytes', { exact: true }).fill('big');
  await page.getByText('segment.bytes must be a whole number').waitFor();
  expect(await page.getByRole('button', { name: /^Review/ }).isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Discard changes' }).click();

  // A value only the broker can tell is wrong: its refusal is shown with its message, nothing changes.
  await page.getByLabel('compression.zstd.level', { exact: true }).fill('99');
  await page.getByRole('button', { name: 'Review 1 change' }).click();
  await page.getByRole('button', { name: 'Apply changes' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: 'compression.zstd.level' });
  await refusal.waitFor();
  expect(await refusal.textContent()).toContain('HTTP 4');
  expect((await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}/configs/compression.zstd.level`)).body.value).toBe('3');
  await page.getByRole('button', { name: 'Discard changes' }).click();

  await retention.fill('7200000');
  await page.getByRole('button', { name: 'Review 1 change' }).click();
  const diff = page.getByRole('table', { name: 'Config changes to apply' });
  await diff.waitFor();
  expect(await diff.locator('tbody tr td').allTextContents()).toEqual(['retention.ms', '604800000', '7200000']);
  expect(
    (await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}/configs/retention.ms`)).body.value, // nothing sent yet
  ).toBe('604800000');
  await page.getByRole('button', { name: 'Apply changes' }).click();
  await page.getByText('Applied 1 change.').waitFor();
  const after = (await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}/configs/retention.ms`)).body;
  expect(after.value).toBe('7200000');
  expect(after.source).toBe('DYNAMIC_TOPIC_CONFIG');
  await page
    .getByRole('row', { name: /retention\.ms/ })
    .getByText('topic override')
    .waitFor();

  // Back to the default: the diff shows the value it returns to.
  await page.getByRole('button', { name: 'Reset to default retention.ms' }).click();
  await page.getByRole('button', { name: 'Review 1 change' }).click();
  expect(await diff.locator('tbody tr td').allTextContents()).toEqual(['retention.ms', '7200000', '604800000 (default)']);
  await page.getByRole('button', { name: 'Apply changes' }).click();
  await page.getByText('Applied 1 change.').waitFor();
  expect((await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}/configs/retention.ms`)).body.source).not.toBe(
    'DYNAMIC_TOPIC_CONFIG',
  );
});

it('lists the consumer groups of the topic with their lag on it, searched, sorted and paged by the broker', async () => {
  // audit-reader is caught up on this topic; other-reader reads another topic only.
  for (const [group, topic, to] of [
    ['audit-reader', T, 'latest'],
    ['other-reader', 'older-0', 'earliest'],
  ]) {
    expect((await brokerCall(stack.broker, 'POST', `/v3/clusters/-/consumer-groups/${group}/offsets:reset`, { topic, to })).status).toBe(
      200,
    );
  }
  await page.goto(`${topicUrl()}/consumers`);
  const row = page.getByRole('row').filter({ hasText: 'billing' });
  await row.waitFor();
  expect(await row.getByTestId('topic-lag').textContent()).toBe('3');
  await row.getByText('p0: 2 / 5 / 3').waitFor();
  expect(await page.getByRole('row').filter({ hasText: 'audit-reader' }).getByTestId('topic-lag').textContent()).toBe('0');
  expect(await page.getByRole('row').filter({ hasText: 'other-reader' }).count()).toBe(0);
  await page.getByText('2 shown of 2').waitFor();

  // Sorted by the lag on this topic, highest first (the second click on the header).
  await page.getByRole('link', { name: /Lag on this topic/ }).click();
  await page.waitForURL(/sort=lag&order=asc/);
  await page.getByRole('link', { name: /Lag on this topic/ }).click();
  await page.waitForURL(/sort=lag&order=desc/);
  await until(
    () => page.getByRole('row').nth(1).textContent(),
    (text) => text?.includes('billing') === true,
    'billing first by lag',
  );

  await page.getByLabel('Search groups').fill('audit');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('1 shown of 1').waitFor();
  expect(await page.getByRole('row').filter({ hasText: 'billing' }).count()).toBe(0);
  await page.getByRole('row').filter({ hasText: 'audit-reader' }).waitFor();
});

it('deletes records before an offset, after confirming', async () => {
  await page.goto(`${topicUrl()}/settings`);
  await page.getByLabel('Partition', { exact: true }).selectOption('0');
  await page.getByText('Partition 0: earliest offset 0, high watermark 5.').waitFor();
  await page.getByLabel('Delete before offset').fill('9');
  await page.getByText('must be at most the high watermark 5').waitFor();
  await page.getByLabel('Delete before offset').fill('3');
  await page.getByRole('button', { name: 'Delete records' }).click();
  await page.getByText('Delete 3 records of partition 0 (offsets 0 to 2)?').waitFor();
  await page.getByRole('button', { name: 'Yes, delete records' }).click();
  await page.getByText('Partition 0 now starts at offset 3.').waitFor();
  const p0 = (await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}/partitions/0`)).body;
  expect(p0.earliest_offset).toBe(3);
});

it('adds partitions', async () => {
  await page.goto(`${topicUrl()}/settings`);
  await page.getByLabel('New partition count').fill('2');
  await page.getByText('must be more than the current 2').waitFor();
  await page.getByLabel('New partition count').fill('4');
  await page.getByRole('button', { name: 'Add partitions' }).click();
  await page.getByText(`${T} now has 4 partitions.`).waitFor();
  expect((await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}`)).body.partitions_count).toBe(4);
  await page.goto(topicUrl());
  await until(
    () =>
      page
        .getByRole('table', { name: `Partitions of ${T}` })
        .locator('tbody tr')
        .count(),
    (n) => n === 4,
    'four partition rows',
  );
});

it('shows the cluster overview with health, brokers and recent audit events', async () => {
  await page.goto(stack.console.baseUrl);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByText('Ready', { exact: true }).waitFor();
  await page.getByRole('table', { name: 'Brokers' }).locator('tbody tr').first().waitFor();
  await page.getByRole('figure').filter({ hasText: 'Records per second' }).first().waitFor();
  // The ten newest events, newest first, as the broker's whole log has them.
  const audit = page.getByRole('table', { name: 'The newest audit events' });
  await audit.waitFor();
  const all = (await brokerCall(stack.broker, 'GET', '/v3/clusters/-/audit-log?limit=1000')).body.data as { resource: string }[];
  expect(all.length).toBeGreaterThan(25);
  const newest = all
    .slice(-10)
    .reverse()
    .map((e) => e.resource);
  expect(await audit.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(newest);
});

it('deletes the topic only after its name is typed', async () => {
  await page.goto(`${topicUrl()}/settings`);
  const remove = page.getByRole('button', { name: 'Delete topic' });
  await remove.waitFor();
  expect(await remove.isDisabled()).toBe(true);
  await page.getByLabel(`Type ${T} to confirm`).fill('pages');
  expect(await remove.isDisabled()).toBe(true);
  await page.getByLabel(`Type ${T} to confirm`).fill(T);
  await remove.click();
  await page.waitForURL(`${stack.console.baseUrl}/topics`);
  expect((await brokerCall(stack.broker, 'GET', `/v3/clusters/-/topics/${T}`)).status).toBe(404);
  await page.goto(topicUrl());
  await page.getByRole('alert').filter({ hasText: 'HTTP 404' }).waitFor();
});
