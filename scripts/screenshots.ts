/**
 * `npm run screenshots`: the README's console screenshots (docs/console/*.png), taken from a real
 * broker and console with sample data, in Debian's Chromium. Everything runs on 127.0.0.1 and
 * stops by itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { ADMIN_PASSWORD } from '../apps/broker/test/support/acl-helpers';
import type { Page } from 'playwright-core';
import { launchBrowser, signIn } from '../apps/console/test/support/browser';
import { startStack } from '../apps/console/test/support/console-process';

const OUT = path.resolve(__dirname, '../docs/console');
const AUTH = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;

async function call(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const answer = await fetch(`${base}/v3/clusters/-${route}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${method} ${route}: ${answer.status} ${await answer.text()}`);
  const text = await answer.text();
  return text ? JSON.parse(text) : undefined;
}

async function produce(base: string, topic: string, partition: number, values: object[], start: number): Promise<void> {
  const batch = encodeRecordBatch({
    records: values.map((v, i) => ({
      timestamp: start + i * 1000,
      key: Buffer.from(`customer-${i % 17}`),
      value: Buffer.from(JSON.stringify(v)),
      headers: [{ key: 'source', value: Buffer.from('checkout') }],
    })),
  });
  const answer = await fetch(`${base}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/vnd.kafka.record-batch' },
    body: batch,
  });
  if (!answer.ok) throw new Error(`produce ${topic}: ${answer.status} ${await answer.text()}`);
}

async function seed(base: string): Promise<void> {
  const topics: [string, number][] = [
    ['orders', 3],
    ['payments', 6],
    ['shipments', 2],
    ['inventory.changes', 4],
    ['audit.trail', 1],
  ];
  for (const [name, partitions] of topics) await call(base, 'POST', '/topics', { topic_name: name, partitions_count: partitions });
  const start = Date.now() - 3600_000;
  for (let p = 0; p < 3; p++) {
    const values = Array.from({ length: 200 }, (_, i) => ({
      order_id: p * 1000 + i,
      total: (i * 7.31) % 250,
      currency: 'EUR',
      items: i % 5,
    }));
    await produce(base, 'orders', p, values, start);
  }
  for (let p = 0; p < 6; p++)
    await produce(
      base,
      'payments',
      p,
      Array.from({ length: 50 }, (_, i) => ({ payment: i, ok: i % 9 !== 0 })),
      start,
    );
  await call(base, 'POST', '/consumer-groups/billing/offsets:reset', { topic: 'orders', to: { offset: 120 } });
  await call(base, 'POST', '/consumer-groups/fraud-check/offsets:reset', { topic: 'payments', to: 'earliest' });
  await call(base, 'POST', '/users', { name: 'alice', password: 'alice-password-1' });
  await call(base, 'POST', '/acls', {
    resource_type: 'TOPIC',
    resource_name: 'orders',
    pattern_type: 'LITERAL',
    principal: 'User:alice',
    host: '*',
    operation: 'WRITE',
    permission: 'ALLOW',
  });
  await call(base, 'POST', '/quotas', { entity: { user: 'alice' }, producer_byte_rate: 1048576 });
}

/** Runs a search on the search page so the picture shows matches and the finished progress. */
async function runSearch(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Search' });
  await form.getByLabel('Condition 1: match').selectOption('json');
  await form.getByLabel('Condition 1: JSON path').fill('$.items');
  await form.getByLabel('Condition 1: JSON value').fill('3');
  await form.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('matches').getByTestId('record').first().waitFor();
  await form.getByRole('button', { name: 'Cancel' }).waitFor({ state: 'detached' });
}

/** Asks the principal page whether alice may write to orders. */
async function checkPrincipal(page: Page): Promise<void> {
  await page.goto(page.url().split('?')[0] + '?check_op=WRITE&check_type=TOPIC&check_name=orders');
  await page.getByText('Allowed').first().waitFor();
}

/** The pages shown in the README: [file, path, text to wait for, what to do before the picture]. */
const PAGES: [string, string, string, ((page: Page) => Promise<void>)?][] = [
  ['topics', '/topics', 'orders'],
  ['topic', '/topics/orders', 'Partitions'],
  ['messages', '/topics/orders/messages', 'customer-'],
  ['search', '/topics/orders/search', 'Search', runSearch],
  ['groups', '/groups', 'billing'],
  ['group', '/groups/billing', 'billing'],
  ['users', '/security/users', 'alice'],
  ['acls', '/security/acls', 'User:alice'],
  ['principal', '/security/principals/User%3Aalice', 'User:alice', checkPrincipal],
  ['quotas', '/security/quotas', 'alice'],
  ['audit', '/security/audit', 'Audit'],
  ['overview', '/', 'Overview'], // last: its charts need a few of the broker's 10 s samples
];

/** Waits until the broker's cluster history has a few samples, so the overview's charts have lines. */
async function untilSampled(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const stats = (await call(base, 'GET', '/stats')) as { data: unknown[] };
    if (stats.data.length >= 3) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main(): Promise<void> {
  // Samples every second, so the charts have points after the few seconds of seeding.
  fs.mkdirSync(OUT, { recursive: true });
  const stack = await startStack({ auth: true, brokerEnv: { RUNNEL_HISTORY_INTERVAL_MS: '1000' } });
  const browser = await launchBrowser();
  try {
    await seed(stack.broker.baseUrl);
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/signin`);
    await page.screenshot({ path: path.join(OUT, 'signin.png') });
    await signIn(page, stack.console.baseUrl, 'admin', ADMIN_PASSWORD);
    for (const [file, route, text, before] of PAGES) {
      await page.goto(`${stack.console.baseUrl}${route}`);
      await page.getByText(text).first().waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        () => !(globalThis as { document?: { querySelector(s: string): unknown } }).document?.querySelector('.animate-pulse'),
      );
      if (file === 'overview') {
        await untilSampled(stack.broker.baseUrl);
        await page.reload();
        await page.getByText(text).first().waitFor();
      }
      if (before) await before(page);
      await page.screenshot({ path: path.join(OUT, `${file}.png`) });
      console.log(`docs/console/${file}.png  ${route}`);
    }
    const dark = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark' });
    const darkPage = await dark.newPage();
    await signIn(darkPage, stack.console.baseUrl, 'admin', ADMIN_PASSWORD);
    await darkPage.goto(`${stack.console.baseUrl}/topics`);
    await darkPage.getByText('orders').first().waitFor();
    await darkPage.screenshot({ path: path.join(OUT, 'topics-dark.png') });
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
