import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';
import { brokerCall, createTopic } from '../topics/helpers';

/**
 * The Brokers page, the overview's partition health and the partition view in a real Chromium
 * against a real console and a single-node broker: the one broker is shown alive, running, the
 * controller, leading and holding every partition of every topic (counted by the broker from its
 * ClusterView, and followed when a topic is created); nothing is under-replicated or offline.
 */
let browser: Browser;
let stack: Stack;
let page: Page;

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack()]);
  page = await browser.newPage();
  await createTopic(stack.broker, 'brokers-a', 2);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Every partition of every topic, internal ones too, as the topics resource counts them. */
async function partitionTotal(): Promise<number> {
  const topics = (await brokerCall(stack.broker, 'GET', '/v3/clusters/-/topics')).body.data as { partitions_count: number }[];
  return topics.reduce((sum, t) => sum + t.partitions_count, 0);
}

const stat = (label: string) =>
  page
    .locator('dl > div')
    .filter({ has: page.getByRole('term').filter({ hasText: label }) })
    .locator('dd')
    .first();

it('is reached from the navigation and shows the one broker: address, leader and replica counts, running, the controller', async () => {
  await page.goto(stack.console.baseUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Brokers' }).click();
  await page.getByRole('heading', { name: 'Brokers', level: 1 }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/brokers');
  const table = page.getByRole('table', { name: 'Brokers' });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBe(1);
  const total = String(await partitionTotal());
  const url = new URL(stack.broker.baseUrl);
  expect(await rows.first().locator('td').allTextContents()).toEqual([
    '0',
    '—',
    `${url.hostname}:${url.port}`,
    total,
    total,
    'Running',
    'ControllerThis broker',
  ]);
  expect(await stat('Brokers alive').textContent()).toBe('1 of 1');
  expect(await stat('Controller').textContent()).toBe('0');
  expect(await stat('Under-replicated').textContent()).toBe('0');
  expect(await stat('Offline partitions').textContent()).toBe('0');
});

it('follows the cluster: a new topic’s partitions are led by the one broker', async () => {
  const before = await partitionTotal();
  await createTopic(stack.broker, 'brokers-b', 3);
  await page.goto(`${stack.console.baseUrl}/brokers`);
  const cells = page.getByRole('table', { name: 'Brokers' }).locator('tbody tr').first().locator('td');
  await cells.first().waitFor();
  expect(await cells.nth(3).textContent()).toBe(String(before + 3));
  expect(await cells.nth(4).textContent()).toBe(String(before + 3));
});

it('the overview counts under-replicated and offline partitions from the broker: none on one node', async () => {
  await page.goto(stack.console.baseUrl);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await stat('Under-replicated').waitFor();
  expect(await stat('Under-replicated').textContent()).toBe('0');
  expect(await stat('Offline partitions').textContent()).toBe('0');
  const summary = (await brokerCall(stack.broker, 'GET', '/v3/clusters/-/broker-summaries')).body;
  expect([summary.under_replicated_partitions, summary.offline_partitions]).toEqual([0, 0]);
  await page.getByRole('link', { name: 'All brokers' }).click();
  await page.getByRole('heading', { name: 'Brokers', level: 1 }).waitFor();
});

it('the partition view shows leader, replicas and ISR of the one broker, with no reassignment or under-replication badge', async () => {
  await page.goto(`${stack.console.baseUrl}/topics/brokers-a`);
  const table = page.getByRole('table', { name: 'Partitions of brokers-a' });
  await table.waitFor();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBe(2);
  for (let p = 0; p < 2; p++) expect((await rows.nth(p).locator('td').allTextContents()).slice(0, 4)).toEqual([String(p), '0', '0', '0']);
  expect(await page.getByTestId('reassignment-0').count()).toBe(0);
  expect(await table.getByText('Under-replicated').count()).toBe(0);
  expect(await table.getByText('Offline').count()).toBe(0);
});
