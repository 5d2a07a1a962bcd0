/* eslint-disable @typescript-eslint/no-explicit-any -- code run in the page, where the DOM's types are not loaded (they clash with Node's) */
import type { Browser, Page } from 'playwright-core';
import { encodeRecordBatch } from '@runnel/protocol';
import { launchBrowser } from './support/browser';
import { startStack, type Stack } from './support/console-process';

/**
 * Every main page, as a keyboard or screen-reader user meets it: each form control has a label,
 * each button and link a name, one h1, the document language set; pages do not shift once drawn;
 * and dark mode follows the system (or the chosen theme) before the first paint.
 */
let browser: Browser;
let stack: Stack;

const PAGES = [
  '/',
  '/brokers',
  '/topics',
  '/topics/new',
  '/topics/a11y-orders',
  '/topics/a11y-orders/messages',
  '/topics/a11y-orders/search',
  '/topics/a11y-orders/configs',
  '/topics/a11y-orders/consumers',
  '/topics/a11y-orders/settings',
  '/groups',
  '/groups/a11y-billing',
  '/groups/a11y-billing/reset',
  '/security/users',
  '/security/acls',
  '/security/quotas',
  '/security/audit',
  '/security/principals/User%3Aalice',
  '/settings',
];

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack();
  const base = `${stack.broker.baseUrl}/v3/clusters/-`;
  const post = async (path: string, body: unknown) => {
    const answer = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
  };
  await post('/topics', { topic_name: 'a11y-orders', partitions_count: 2 });
  const batch = encodeRecordBatch({
    records: Array.from({ length: 20 }, (_, i) => ({
      timestamp: Date.now(),
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`{"n":${i}}`),
      headers: [],
    })),
  });
  await fetch(`${base}/topics/a11y-orders/partitions/0/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  await post('/consumer-groups/a11y-billing/offsets:reset', { topic: 'a11y-orders', to: { offset: 5 }, partitions: [0] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The page is drawn: its heading is there and no skeleton (`.animate-pulse`) is left. */
async function drawn(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => !(globalThis as any).document.querySelector('.animate-pulse'));
}

/** What a page gets wrong for assistive technology, as readable strings. */
function problems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { document } = globalThis as any;
    type Element = any;
    const found: string[] = [];
    const describe = (el: Element) =>
      `<${el.tagName.toLowerCase()}${el.id ? ` id="${el.id}"` : ''}${el.getAttribute('name') ? ` name="${el.getAttribute('name')}"` : ''}>`;
    const named = (el: Element) =>
      Boolean(
        el.getAttribute('aria-label')?.trim() ||
        el.getAttribute('aria-labelledby') ||
        el.getAttribute('title')?.trim() ||
        el.textContent?.trim(),
      );
    for (const el of Array.from<Element>(document.querySelectorAll('input, select, textarea'))) {
      const input = el as any;
      if (input.type === 'hidden') continue;
      const labelled = (input.labels?.length ?? 0) > 0 || input.getAttribute('aria-label') || input.getAttribute('aria-labelledby');
      if (!labelled) found.push(`control without a label: ${describe(el)}`);
    }
    for (const el of Array.from<Element>(document.querySelectorAll('button, a[href], [role="button"]'))) {
      if (!named(el) && !el.querySelector('img[alt], svg[aria-label]')) found.push(`${describe(el)} without a name`);
    }
    for (const el of Array.from<Element>(document.querySelectorAll('img')))
      if (!el.hasAttribute('alt')) found.push(`image without alt: ${describe(el)}`);
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) found.push(`${h1} h1 headings`);
    if (!document.documentElement.lang) found.push('no document language');
    const ids = new Map<string, number>();
    for (const el of Array.from<Element>(document.querySelectorAll('[id]'))) ids.set(el.id, (ids.get(el.id) ?? 0) + 1);
    for (const [id, count] of ids) if (count > 1) found.push(`id "${id}" used ${count} times`);
    return found;
  });
}

describe('console accessibility', () => {
  it('labels every control, names every button and link, one h1 per page, on every main page', async () => {
    const page = await browser.newPage();
    const report: Record<string, string[]> = {};
    for (const path of PAGES) {
      const answer = await page.goto(`${stack.console.baseUrl}${path}`);
      expect({ path, status: answer?.status() }).toEqual({ path, status: 200 });
      await drawn(page);
      const found = await problems(page);
      if (found.length > 0) report[path] = found;
    }
    expect(report).toEqual({});
    await page.close();
  }, 180_000);

  it('does not shift the layout once drawn (cumulative layout shift below 0.1)', async () => {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const page = globalThis as any;
      page.cls = 0;
      new page.PerformanceObserver((list: any) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) page.cls += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const shifts: Record<string, number> = {};
    for (const path of ['/', '/topics', '/topics/a11y-orders', '/topics/a11y-orders/messages', '/groups', '/groups/a11y-billing']) {
      await page.goto(`${stack.console.baseUrl}${path}`);
      await drawn(page);
      const cls = await page.evaluate(() => (globalThis as any).cls as number);
      if (cls >= 0.1) shifts[path] = cls;
    }
    expect(shifts).toEqual({});
    await page.close();
  }, 120_000);

  it('follows a dark system theme before the first paint, and a chosen light theme over it', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/topics`);
    const isDark = () => page.evaluate(() => (globalThis as any).document.documentElement.classList.contains('dark') as boolean);
    expect(await isDark()).toBe(true);
    const background = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as any;
      return getComputedStyle(document.body).backgroundColor as string;
    });
    const [r, g, b] = background.match(/\d+(\.\d+)?/g)!.map(Number);
    expect(r + g + b).toBeLessThan(150); // a dark background, whatever the exact shade

    await page.goto(`${stack.console.baseUrl}/settings`);
    await page.getByLabel('Theme').selectOption('light');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.goto(`${stack.console.baseUrl}/topics`);
    expect(await isDark()).toBe(false);
    await context.close();
  }, 60_000);
});
