import type { Browser, Page } from 'playwright-core';
import { encodeRecordBatch } from '@runnel/protocol';
import { createTopicOn } from '../../../broker/test/support/topic-helpers';
import { launchBrowser } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The search page as a user meets it, in a real Chromium against a real console and broker:
 * the range's estimate before starting, a filter evaluated in the broker that finds one record
 * among 100,000 with progress, cancelling a running search, and continuing with the cursor
 * after a byte budget stopped it. The broker's search rate is lowered (8 MiB/s) so a scan of the
 * ~35 MB topic lasts long enough to be cancelled.
 */
const RECORDS = 100_000;
const PER_BATCH = 2_000; // ~700 KB, under the default max.message.bytes
const NEEDLE = 77_777;
const NEEDLE_BATCH = Math.floor(NEEDLE / PER_BATCH); // batches alternate between partitions 0 and 1
let browser: Browser;
let stack: Stack;

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack({ brokerEnv: { RUNNEL_SEARCH_BYTES_PER_SEC: String(8 * 1024 * 1024) } });
  await createTopicOn(stack.broker, 'haystack', 2);
  // 100,000 JSON records of ~350 bytes over the binary batch API; one has user "needle-42" and a trace header.
  const pad = 'p'.repeat(300);
  for (let first = 0; first < RECORDS; first += PER_BATCH) {
    const partition = (first / PER_BATCH) % 2;
    const batch = encodeRecordBatch({
      records: Array.from({ length: PER_BATCH }, (_, j) => {
        const i = first + j;
        const needle = i === NEEDLE;
        return {
          timestamp: Date.now(),
          key: Buffer.from(`k${i}`),
          value: Buffer.from(JSON.stringify({ id: i, user: needle ? 'needle-42' : `u${i % 100}`, pad })),
          headers: needle ? [{ key: 'trace', value: Buffer.from('find-me') }] : [],
        };
      }),
    });
    const answer = await fetch(`${stack.broker.baseUrl}/v3/clusters/-/topics/haystack/partitions/${partition}/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.record-batch' },
      body: batch,
    });
    expect(answer.status).toBe(200);
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const progress = (page: Page) => page.getByTestId('search-progress');

async function openSearch(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${stack.console.baseUrl}/topics/haystack/search`);
  // The estimate of the whole range, before anything starts.
  await page.getByTestId('estimate').filter({ hasText: 'about 100,000 records' }).waitFor({ timeout: 20_000 });
  expect(await page.getByTestId('estimate').textContent()).toContain('in 2 partitions');
  return page;
}

it('finds one record among 100,000 by JSON path in the broker and shows the scan progress', async () => {
  const page = await openSearch();
  const form = page.getByRole('form', { name: 'Search' });
  await form.getByLabel('Condition 1: match').selectOption('json');
  await form.getByLabel('Condition 1: JSON path').fill('$.user');
  await form.getByLabel('Condition 1: JSON value').fill('"needle-42"');
  await form.getByRole('button', { name: 'Search' }).click();
  await progress(page)
    .filter({ hasText: /^Searching/ })
    .waitFor();
  await progress(page).filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
  const text = await progress(page).textContent();
  expect(text).toContain('100,000 records');
  expect(text).toContain('2 of 2 partitions done');
  expect(text).toContain('100 %');
  expect(text).toContain('1 matches');
  expect(text).toContain('Scanned the whole range.');
  expect(await page.getByRole('progressbar', { name: 'Scan progress' }).getAttribute('value')).toBe('100');
  const matches = page.getByTestId('matches').getByTestId('record');
  expect(await matches.count()).toBe(1);
  expect(await matches.first().textContent()).toContain('"needle-42"');
  expect(await matches.first().textContent()).toContain('find-me');
  await page.close();
}, 60_000);

it('cancels a running search', async () => {
  const page = await openSearch();
  const form = page.getByRole('form', { name: 'Search' });
  await form.getByLabel('Condition 1: text').fill('nothing-has-this');
  await form.getByRole('button', { name: 'Search' }).click();
  // Cancel once the broker has reported some progress, well before the end of the range.
  await progress(page)
    .filter({ hasText: /^Searching: [1-9]/ })
    .waitFor({ timeout: 20_000 });
  await form.getByRole('button', { name: 'Cancel' }).click();
  await progress(page)
    .filter({ hasText: /^Cancelled/ })
    .waitFor();
  expect(await form.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
  expect(await progress(page).textContent()).not.toContain('100,000 records');
  // The broker is free for the next search (the closed request ended the scan and its slot).
  await form.getByLabel('Condition 1: field').selectOption('key');
  await form.getByLabel('Condition 1: match').selectOption('equals');
  await form.getByLabel('Condition 1: text').fill('k5');
  await form.getByLabel('Max matches').fill('1');
  await form.getByRole('button', { name: 'Search' }).click();
  await progress(page).filter({ hasText: 'Stopped at the most matches asked for.' }).waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('matches').getByTestId('record').count()).toBe(1);
  await page.close();
}, 60_000);

it('stops at a byte budget and continues with the cursor until the whole range is scanned', async () => {
  const page = await openSearch();
  const form = page.getByRole('form', { name: 'Search' });
  await form.getByLabel('Condition 1: field').selectOption('header');
  await form.getByLabel('Condition 1: header name').fill('trace');
  await form.getByLabel('Condition 1: match').selectOption('equals');
  await form.getByLabel('Condition 1: text').fill('find-me');
  await form.getByLabel('Byte budget (MiB)').fill('12');
  await form.getByRole('button', { name: 'Search' }).click();
  await progress(page).filter({ hasText: 'The byte budget ran out.' }).waitFor({ timeout: 30_000 });
  expect(await progress(page).textContent()).toContain('Continue to search on from where it stopped.');
  let rounds = 0;
  while (!((await progress(page).textContent()) ?? '').includes('Scanned the whole range.')) {
    expect(rounds++).toBeLessThan(6); // 35 MB in 12 MiB steps
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('records:search')),
      form.getByRole('button', { name: 'Continue' }).click(),
    ]);
    await progress(page).filter({ hasText: /^Done/ }).waitFor({ timeout: 30_000 });
  }
  expect(rounds).toBeGreaterThan(0);
  // Exactly the one record, found once across the resumed searches.
  const matches = page.getByTestId('matches').getByTestId('record');
  expect(await matches.count()).toBe(1);
  expect(await matches.first().getAttribute('aria-label')).toBe(
    `Record ${NEEDLE_BATCH % 2}/${Math.floor(NEEDLE_BATCH / 2) * PER_BATCH + (NEEDLE % PER_BATCH)}`,
  );
  await page.close();
}, 90_000);
