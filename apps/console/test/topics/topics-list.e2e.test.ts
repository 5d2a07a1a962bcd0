import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';
import { brokerCall, createTopic, shownTopics, until } from './helpers';

/**
 * The topics list and the create form in a real Chromium against a real console and broker (auth
 * off): search, sort and paging happen in the broker (topic-summaries); a topic created from the
 * UI exists on the broker; a topic created elsewhere shows up through the change stream without
 * reloading the page.
 */
let browser: Browser;
let stack: Stack;
let page: Page;

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack()]);
  page = await browser.newPage();
  // 120 topics to page through (page size 50), one with more partitions to sort by.
  const names = Array.from({ length: 120 }, (_, i) => `list-${String(i).padStart(3, '0')}`);
  for (let i = 0; i < names.length; i += 20)
    await Promise.all(names.slice(i, i + 20).map((name) => createTopic(stack.broker, name, name === 'list-042' ? 6 : 1)));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('topics list', () => {
  it('searches, pages and sorts on the server: 120 topics in pages of 50', async () => {
    await page.goto(`${stack.console.baseUrl}/topics`);
    await page.getByLabel('Search topics').fill('list-');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/search=list-/);
    await page.getByText('50 shown of 120').waitFor();
    let names = await shownTopics(page);
    expect(names).toHaveLength(50);
    expect(names[0]).toBe('list-000');
    expect(names[49]).toBe('list-049');

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.waitForURL(/page_token=/);
    await page.locator('table tbody tr').first().getByText('list-050').waitFor();
    expect((await shownTopics(page))[49]).toBe('list-099');

    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('20 shown of 120').waitFor();
    names = await shownTopics(page);
    expect(names[0]).toBe('list-100');
    expect(names[19]).toBe('list-119');
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    await page.getByRole('link', { name: 'First page' }).click();
    await page.getByText('50 shown of 120').waitFor();

    // Name ascending is the default, so its header sorts descending; by partitions descending: the 6-partition topic first.
    expect(await page.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('link', { name: /^Name/ }).click();
    await page.waitForURL(/sort=name&order=desc/);
    await page.locator('table tbody tr').first().getByText('list-119').waitFor();
    expect(await page.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');
    expect(new URL(page.url()).searchParams.get('search')).toBe('list-');

    await page.getByRole('link', { name: /^Partitions/ }).click();
    await page.waitForURL(/sort=partitions&order=asc/);
    await page.getByRole('link', { name: /^Partitions/ }).click();
    await page.waitForURL(/sort=partitions&order=desc/);
    await page.locator('table tbody tr').first().getByText('list-042').waitFor();
    expect(await page.locator('table tbody tr').first().getByTestId('partitions').textContent()).toBe('6');

    // A search with no match says so.
    await page.goto(`${stack.console.baseUrl}/topics?search=no-such-topic`);
    await page.getByText('No topic matches "no-such-topic".').waitFor();
  });

  it('shows internal topics only when asked', async () => {
    await page.goto(`${stack.console.baseUrl}/topics?search=__consumer`);
    await page.getByText('No topic matches "__consumer".').waitFor();
    await page.getByLabel('Show internal topics').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/internal=true/);
    await page.getByRole('link', { name: '__consumer_offsets' }).waitFor();
    await page.getByText('internal', { exact: true }).waitFor();
  });
});

describe('create topic', () => {
  it('validates, previews with validate_only, creates the topic and shows it on its page and in the list', async () => {
    await page.goto(`${stack.console.baseUrl}/topics`);
    await page.getByRole('link', { name: 'Create topic' }).click();
    await page.waitForURL(/\/topics\/new$/);

    // Checked in the form: a bad name and a bad config value are named before anything is sent.
    await page.getByLabel('Name').fill('bad name!');
    await page.getByLabel('Partitions').fill('3');
    await page.getByRole('button', { name: 'Add config' }).click();
    await page.getByLabel('Config 1').selectOption('retention.ms');
    await page.getByText("Kafka's default: 604800000").waitFor();
    await page.getByLabel('Value of retention.ms').fill('an hour');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('use 1 to 249 of a-z').waitFor();
    await page.getByText('must be a whole number').waitFor();

    await page.getByLabel('Name').fill('orders-ui');
    await page.getByLabel('Value of retention.ms').fill('3600000');
    await page.getByRole('button', { name: 'Add config' }).click();
    await page.getByLabel('Config 2').selectOption('cleanup.policy');
    await page.getByLabel('Value of cleanup.policy').selectOption('compact');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Valid: the broker would create orders-ui with 3 partitions').waitFor();
    expect((await brokerCall(stack.broker, 'GET', '/v3/clusters/-/topics/orders-ui')).status).toBe(404); // only validated

    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.waitForURL(/\/topics\/orders-ui$/);
    await page.getByRole('table', { name: 'Partitions of orders-ui' }).waitFor();
    expect(await page.getByRole('table', { name: 'Partitions of orders-ui' }).locator('tbody tr').count()).toBe(3);

    const topic = await brokerCall(stack.broker, 'GET', '/v3/clusters/-/topics/orders-ui');
    expect(topic.body.partitions_count).toBe(3);
    const configs = await brokerCall(stack.broker, 'GET', '/v3/clusters/-/topics/orders-ui/configs');
    const value = (name: string) => configs.body.data.find((c: { name: string }) => c.name === name)?.value;
    expect(value('retention.ms')).toBe('3600000');
    expect(value('cleanup.policy')).toBe('compact');

    await page.goto(`${stack.console.baseUrl}/topics?search=orders-ui`);
    await page.getByRole('link', { name: 'orders-ui' }).waitFor();
  });

  it("shows the broker's message when it refuses (the topic exists)", async () => {
    await page.goto(`${stack.console.baseUrl}/topics/new`);
    await page.getByLabel('Name').fill('list-001');
    await page.getByRole('button', { name: 'Create topic' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'already exists' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('error 40002');
  });
});

describe('live updates', () => {
  it('updates shown rows in place and offers a refresh for topics created elsewhere, without reloading', async () => {
    await createTopic(stack.broker, 'live-a', 1);
    await page.goto(`${stack.console.baseUrl}/topics?search=live-`);
    await page.getByText('Live: changes appear as they happen').waitFor();
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));

    // Another client adds partitions: the shown row changes in place.
    const patched = await brokerCall(stack.broker, 'PATCH', '/v3/clusters/-/topics/live-a', { partitions_count: 4 });
    expect(patched.status).toBe(200);
    await until(
      () => page.locator('table tbody tr').first().getByTestId('partitions').textContent(),
      (text) => text === '4',
      'the partitions cell to show 4',
    );

    // Another client creates topics: the page counts the one its search would show, and a refresh shows it.
    await createTopic(stack.broker, 'live-b', 2);
    await page.getByRole('status').filter({ hasText: '1 new topic' }).waitFor();
    await createTopic(stack.broker, 'elsewhere-1', 1); // not matching the search: not counted
    await createTopic(stack.broker, 'live-c', 1); // changes arrive in order, so this one comes after it
    const banner = page.getByRole('status').filter({ hasText: 'new topics' });
    await banner.waitFor();
    expect(await banner.locator('span').first().textContent()).toBe('2 new topics');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('link', { name: 'live-b' }).waitFor();
    await page.getByRole('link', { name: 'live-c' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42); // never reloaded

    // Deleted elsewhere: the row is marked.
    expect((await brokerCall(stack.broker, 'DELETE', '/v3/clusters/-/topics/live-a')).status).toBe(204);
    await page.locator('table tbody tr').filter({ hasText: 'live-a' }).getByText('deleted').waitFor();
  });
});
