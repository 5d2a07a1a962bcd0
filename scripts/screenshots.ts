/**
 * `npm run screenshots`: the README's console screenshots (docs/console/*.png), taken from a real
 * broker and console with sample data, in Debian's Chromium. Everything runs on 127.0.0.1 and
 * stops by itself.
 */
import * as path from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { ADMIN_PASSWORD } from '../apps/broker/test/support/acl-helpers';
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
  return answer.status === 204 ? undefined : answer.json();
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

/** The pages shown in the README: [file, path, what to wait for]. */
const PAGES: [string, string, string][] = [
  ['overview', '/', 'Overview'],
  ['topics', '/topics', 'orders'],
  ['topic', '/topics/orders', 'Partitions'],
  ['messages', '/topics/orders/messages', 'Messages'],
  ['search', '/topics/orders/search', 'Search'],
  ['groups', '/groups', 'billing'],
  ['group', '/groups/billing', 'billing'],
  ['users', '/security/users', 'alice'],
  ['acls', '/security/acls', 'User:alice'],
  ['principal', '/security/principals/User%3Aalice', 'User:alice'],
  ['quotas', '/security/quotas', 'alice'],
  ['audit', '/security/audit', 'Audit'],
];

async function main(): Promise<void> {
  const stack = await startStack({ auth: true });
  const browser = await launchBrowser();
  try {
    await seed(stack.broker.baseUrl);
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/signin`);
    await page.screenshot({ path: path.join(OUT, 'signin.png') });
    await signIn(page, stack.console.baseUrl, 'admin', ADMIN_PASSWORD);
    for (const [file, route, text] of PAGES) {
      await page.goto(`${stack.console.baseUrl}${route}`);
      await page.getByText(text).first().waitFor({ timeout: 15_000 });
      await page.waitForLoadState('networkidle');
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
