import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { encodeRecordBatch } from '@runnel/protocol';
import { createTopicOn, produceStrings } from '../../../broker/test/support/topic-helpers';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The messages page as a user meets it, in a real Chromium against a real console and broker:
 * produce from the form and see the record in the list and in the live tail (which pauses by
 * withholding credit), seek by offset and by a time entered in the user's zone, page older,
 * a 5 MB value shown as size + preview (the DOM stays small) with "Load all", re-produce, export.
 */
let browser: Browser;
let stack: Stack;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  await createTopicOn(stack.broker, 'orders', 3);
  await createTopicOn(stack.broker, 'timed', 1);
  await createTopicOn(stack.broker, 'big', 1, { 'max.message.bytes': String(8 * 1024 * 1024) });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface ReadRecord {
  offset: number;
  key: { type: string; data: unknown } | null;
  value: { type: string; data: unknown } | null;
  headers: { name: string; value: string | null }[];
}

async function readBack(topic: string, partition: number, offset: number): Promise<ReadRecord[]> {
  const answer = await fetch(
    `${stack.broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/records?offset=${offset}&format=json`,
  );
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { data: ReadRecord[] }).data;
}

async function postBatch(topic: string, partition: number, records: { timestamp: number; key?: string; value: Buffer }[]): Promise<void> {
  const batch = encodeRecordBatch({
    records: records.map((r) => ({
      timestamp: r.timestamp,
      key: r.key === undefined ? null : Buffer.from(r.key),
      value: r.value,
      headers: [],
    })),
  });
  const answer = await fetch(`${stack.broker.baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  expect(answer.status).toBe(200);
}

const records = (page: Page) => page.getByTestId('records').getByTestId('record');

/** Waits until the page's text matches (no fixed sleeps). */
async function waitForText(page: Page, testId: string, pattern: RegExp): Promise<void> {
  await page.getByTestId(testId).filter({ hasText: pattern }).waitFor({ timeout: 20_000 });
}

it('produces a message from the form, shows it in the list and the live tail, and pauses the tail', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/orders/messages`);
  await page.getByText('No records here.').waitFor();
  await page.getByRole('button', { name: 'Start live tail' }).click();
  await waitForText(page, 'tail-status', /^Live/);

  const form = page.getByRole('form', { name: 'Produce a message' });
  await form.getByLabel('Key', { exact: true }).fill('k1');
  await form.getByLabel('Value', { exact: true }).fill('{"id":42,"item":"book"}');
  await form.getByLabel('Value type').selectOption('JSON');
  await form.getByRole('button', { name: 'Add header' }).click();
  await form.getByLabel('Header 1 name').fill('trace');
  await form.getByLabel('Header 1 value').fill('abc-123');
  await form.getByLabel('Partition').selectOption('1');
  await form.getByRole('button', { name: 'Produce' }).click();
  await page.getByText('Produced to partition 1 at offset 0.').waitFor();

  // What the broker now holds.
  const [stored] = await readBack('orders', 1, 0);
  expect(stored.key).toEqual({ type: 'STRING', data: 'k1' });
  expect(stored.value).toEqual({ type: 'JSON', data: { id: 42, item: 'book' } });
  expect(stored.headers).toEqual([{ name: 'trace', value: Buffer.from('abc-123').toString('base64') }]);

  // The list (refreshed) and the live tail both show it, rendered as JSON with its header.
  const listed = page.getByTestId('records').getByRole('article', { name: 'Record 1/0' });
  await listed.waitFor();
  expect(await listed.textContent()).toContain('"item": "book"');
  expect(await listed.textContent()).toContain('abc-123');
  expect(await listed.textContent()).toContain('CreateTime');
  const tail = page.getByRole('region', { name: 'Live tail records' });
  await tail.getByRole('article', { name: 'Record 1/0' }).waitFor();
  await waitForText(page, 'tail-status', /1 received/);

  // Hex view of the same record.
  await listed.getByLabel('Show as').selectOption('hex');
  expect(await listed.getByLabel('Value', { exact: true }).textContent()).toContain('7b 22 69 64');

  // Paused: the broker sends only the credit it was given (100), the rest after resume.
  await page.getByRole('button', { name: 'Pause' }).click();
  await produceStrings(
    stack.broker,
    'orders',
    0,
    Array.from({ length: 150 }, (_, i) => `tail-${i}`),
  );
  await waitForText(page, 'tail-status', /101 received/);
  expect(await page.getByTestId('tail-status').textContent()).toContain('Paused');
  await page.getByRole('button', { name: 'Resume' }).click();
  await waitForText(page, 'tail-status', /151 received/);
  await tail.getByRole('article', { name: 'Record 0/149' }).waitFor();

  // The tail keeps the newest 500 records on screen.
  await produceStrings(
    stack.broker,
    'orders',
    0,
    Array.from({ length: 400 }, (_, i) => `more-${i}`),
  );
  await waitForText(page, 'tail-status', /551 received, last 500 shown/);
  await tail.getByRole('article', { name: 'Record 0/549' }).waitFor();
  expect(await tail.getByTestId('record').count()).toBe(500);
  expect(await tail.getByTestId('record').first().getAttribute('aria-label')).toBe('Record 0/549');
  await page.close();
}, 60_000);

it('re-produces a record from the list and exports what is shown', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/orders/messages?p=1&seek=oldest`);
  const card = page.getByRole('article', { name: 'Record 1/0' });
  await card.getByRole('button', { name: 'Re-produce' }).click();
  const form = page.getByRole('form', { name: 'Produce a message' });
  expect(await form.getByLabel('Value', { exact: true }).inputValue()).toBe('{"id":42,"item":"book"}');
  await form.getByRole('button', { name: 'Produce' }).click();
  await page.getByText('Produced to partition 1 at offset 1.').waitFor();
  const [again] = await readBack('orders', 1, 1);
  expect(again.value).toEqual({ type: 'JSON', data: { id: 42, item: 'book' } });
  expect(again.key).toEqual({ type: 'STRING', data: 'k1' });
  expect(again.headers[0].name).toBe('trace');
  await page.getByRole('article', { name: 'Record 1/1' }).waitFor();

  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  const exported = JSON.parse(fs.readFileSync((await json.path())!, 'utf8')) as {
    partition: number;
    offset: number;
    value: { data: string };
  }[];
  expect(exported.map((r) => `${r.partition}/${r.offset}`)).toEqual(['1/0', '1/1']);
  expect(exported[0].value.data).toBe('{"id":42,"item":"book"}');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const lines = fs
    .readFileSync((await csv.path())!, 'utf8')
    .trim()
    .split('\r\n');
  expect(lines[0]).toContain('topic,partition,offset');
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain('"{""id"":42,""item"":""book""}"');
  await page.close();
}, 60_000);

it('seeks by offset, pages to older records, and reads all partitions merged by time', async () => {
  await produceStrings(
    stack.broker,
    'orders',
    2,
    Array.from({ length: 30 }, (_, i) => `v${i}`),
  );
  const page = await browser.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/orders/messages`);
  const seek = page.getByRole('form', { name: 'Seek' });
  await seek.getByLabel('Partition').selectOption('2');
  await seek.getByLabel('Start at').selectOption('offset');
  await seek.getByLabel('Offset').fill('25');
  await seek.getByRole('button', { name: 'Read' }).click();
  await page.waitForURL(/p=2&seek=offset.*offset=25/);
  await page.getByRole('article', { name: 'Record 2/25' }).waitFor();
  expect(await records(page).count()).toBe(5);
  expect(await records(page).first().getAttribute('aria-label')).toBe('Record 2/25');

  // Newest 20 of partition 2, newest first; "Older" shows the 10 before them.
  await page.goto(`${stack.console.baseUrl}/topics/orders/messages?p=2&limit=20`);
  await page.getByRole('article', { name: 'Record 2/29' }).waitFor();
  expect(await records(page).count()).toBe(20);
  expect(await records(page).last().getAttribute('aria-label')).toBe('Record 2/10');
  await page.getByRole('link', { name: 'Older' }).click();
  await page.getByRole('article', { name: 'Record 2/9' }).waitFor();
  expect(await records(page).count()).toBe(10);
  expect(await records(page).last().getAttribute('aria-label')).toBe('Record 2/0');
  expect(await page.getByRole('link', { name: 'Older' }).count()).toBe(0);

  // All partitions from the oldest: merged in time order (partition 1's records came first).
  await page.goto(`${stack.console.baseUrl}/topics/orders/messages?p=all&seek=oldest&limit=200`);
  await page.getByRole('article', { name: 'Record 0/198' }).waitFor();
  const labels = await records(page).evaluateAll((cards) => cards.map((c) => c.getAttribute('aria-label')));
  expect(labels).toHaveLength(200); // of 2 + 550 + 30
  // Produced in this order: 1/0, then 0/0..0/549, then 1/1 (re-produced), then 2/0..2/29.
  expect(labels[0]).toBe('Record 1/0');
  expect(labels[1]).toBe('Record 0/0');
  expect(labels[199]).toBe('Record 0/198');
  const times = await records(page).evaluateAll((cards) =>
    cards.map((c) => Date.parse(c.querySelector('time')!.getAttribute('datetime')!)),
  );
  expect(times).toEqual([...times].sort((a, b) => a - b));
  // "Newer" goes on exactly after the page's last record of each partition.
  await page.getByRole('link', { name: 'Newer' }).click();
  await page.waitForURL(/from=0%3A199%2C1%3A1%2C2%3A0/);
  await page.getByRole('article', { name: 'Record 0/398' }).waitFor();
  expect(await records(page).first().getAttribute('aria-label')).toBe('Record 0/199');
  await page.close();
}, 60_000);

it('seeks by a time entered in the user’s zone (the broker’s time index finds the offset)', async () => {
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  await postBatch(
    'timed',
    0,
    Array.from({ length: 10 }, (_, i) => ({ timestamp: t0 + i * 60_000, value: Buffer.from(`minute-${i}`) })),
  );
  const context = await browser.newContext();
  await context.addCookies([{ name: 'runnel_tz', value: 'Asia/Tokyo', url: stack.console.baseUrl }]);
  const page = await context.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/timed/messages`);
  const seek = page.getByRole('form', { name: 'Seek' });
  await seek.getByLabel('Start at').selectOption('timestamp');
  // 00:05 UTC is 09:05 in Tokyo.
  await seek.getByLabel('Time (Asia/Tokyo)').fill('2026-01-01 09:05:00');
  await seek.getByRole('button', { name: 'Read' }).click();
  await page.waitForURL(new RegExp(`ts=${t0 + 5 * 60_000}`));
  await page.getByRole('article', { name: 'Record 0/5' }).waitFor();
  expect(await records(page).count()).toBe(5);
  expect(await records(page).first().textContent()).toContain('2026-01-01 09:05:00.000');
  await context.close();
}, 60_000);

it('shows a 5 MB value as size + preview, keeps the DOM small, and loads it all on request', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024, 'x');
  big.write('{"start":"', 0);
  await postBatch('big', 0, [{ timestamp: Date.now(), key: 'small', value: Buffer.from('tiny') }]);
  await postBatch('big', 0, [{ timestamp: Date.now(), key: 'huge', value: big }]);
  const page = await browser.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/big/messages`);
  const card = page.getByRole('article', { name: 'Record 0/1' });
  await card.waitFor();
  expect(await card.textContent()).toContain('5.00 MiB');
  expect(await card.textContent()).toContain('preview of the first 4.00 KiB');
  // The page holds a bounded preview, not the value.
  expect(await page.evaluate<number>('document.documentElement.outerHTML.length')).toBeLessThan(300_000);

  await card.getByRole('button', { name: /Load all/ }).click();
  await card.getByRole('button', { name: 'Download value' }).waitFor({ timeout: 30_000 });
  expect(await card.textContent()).toContain('Showing 64.0 KiB of 5.00 MiB');
  // Still responsive and still small: only what is shown is rendered.
  expect(await page.evaluate<number>('document.documentElement.outerHTML.length')).toBeLessThan(600_000);
  await card.getByRole('button', { name: 'Show more' }).click();
  await card.getByText('Showing 128.0 KiB of 5.00 MiB').waitFor();
  const [file] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download value' }).click()]);
  expect(fs.statSync((await file.path())!).size).toBe(big.length);
  await page.close();
}, 60_000);
