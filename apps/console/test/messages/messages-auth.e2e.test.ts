import type { Browser } from 'playwright-core';
import { admin, call, createAcls, createUser, USER_PASSWORD } from '../../../broker/test/support/acl-helpers';
import { launchBrowser, signIn } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The messages and search pages with authentication on: everything goes with the signed-in
 * user's own credentials, so a reader (READ + DESCRIBE on the topic) reads, tails and searches
 * but sees Produce disabled with the reason, a produce the broker refuses shows its message, and
 * a user with no ACL on the topic gets the broker's refusal instead of the page.
 */
let browser: Browser;
let stack: Stack;
const TOPIC = 'ledger';

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack({ auth: true });
  expect((await call(stack.broker, admin, 'POST', '/v3/clusters/-/topics', { topic_name: TOPIC, partitions_count: 1 })).status).toBe(201);
  await createUser(stack.broker, 'reader');
  await createUser(stack.broker, 'stranger');
  await createUser(stack.broker, 'writer');
  await createAcls(
    stack.broker,
    ['READ', 'DESCRIBE'].map((operation) => ({
      resource_type: 'TOPIC' as const,
      resource_name: TOPIC,
      pattern_type: 'LITERAL' as const,
      principal: 'User:reader',
      operation,
      permission: 'ALLOW' as const,
    })),
  );
  await createAcls(
    stack.broker,
    ['WRITE', 'DESCRIBE'].map((operation) => ({
      resource_type: 'TOPIC' as const,
      resource_name: TOPIC,
      pattern_type: 'LITERAL' as const,
      principal: 'User:writer',
      operation,
      permission: 'ALLOW' as const,
    })),
  );
  const produced = await call(stack.broker, admin, 'POST', `/v3/clusters/-/topics/${TOPIC}/records`, {
    value: { type: 'STRING', data: 'entry-1' },
  });
  expect(produced.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('lets a reader read, tail and search, and says why producing is not allowed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, stack.console.baseUrl, 'reader', USER_PASSWORD);
  await page.goto(`${stack.console.baseUrl}/topics/${TOPIC}/messages`);
  await page.getByRole('article', { name: 'Record 0/0' }).waitFor();
  expect(await page.getByRole('article', { name: 'Record 0/0' }).textContent()).toContain('entry-1');
  const produce = page.getByRole('form', { name: 'Produce a message' }).getByRole('button', { name: /^Produce/ });
  expect(await produce.isDisabled()).toBe(true);
  expect(await produce.getAttribute('title')).toContain("Not allowed: WRITE on topic 'ledger'");
  expect(await page.getByRole('button', { name: /^Re-produce/ }).isDisabled()).toBe(true);

  // The live tail runs with the reader's credentials.
  await page.getByRole('button', { name: 'Start live tail' }).click();
  await page.getByTestId('tail-status').filter({ hasText: /^Live/ }).waitFor();
  expect(
    (await call(stack.broker, admin, 'POST', `/v3/clusters/-/topics/${TOPIC}/records`, { value: { type: 'STRING', data: 'entry-2' } }))
      .status,
  ).toBe(200);
  await page.getByRole('region', { name: 'Live tail records' }).getByRole('article', { name: 'Record 0/1' }).waitFor();

  // The broker itself refuses the reader's produce (the console only disables the button).
  const refused = await page.evaluate(async (topic) => {
    const answer = await fetch(`/api/broker/v3/clusters/-/topics/${topic}/records`, {
      method: 'POST',
      headers: { 'x-runnel-console': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ value: { type: 'STRING', data: 'nope' } }),
    });
    return { status: answer.status, body: (await answer.json()) as { error_code: number } };
  }, TOPIC);
  expect(refused).toMatchObject({ status: 403, body: { error_code: 40301 } });

  await page.goto(`${stack.console.baseUrl}/topics/${TOPIC}/search`);
  const form = page.getByRole('form', { name: 'Search' });
  await form.getByLabel('Condition 1: text').fill('entry-2');
  await form.getByRole('button', { name: 'Search' }).click();
  await page.getByTestId('search-progress').filter({ hasText: 'Scanned the whole range.' }).waitFor();
  expect(await page.getByTestId('matches').getByTestId('record').count()).toBe(1);
  await context.close();
}, 60_000);

it('shows the broker’s refusal to a user without access to the topic', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, stack.console.baseUrl, 'stranger', USER_PASSWORD);
  await page.goto(`${stack.console.baseUrl}/topics/${TOPIC}/messages`);
  const alert = page.getByRole('alert').filter({ hasText: 'The broker refused to read this topic' });
  await alert.waitFor();
  expect(await alert.textContent()).toContain('error 40301');
  await page.goto(`${stack.console.baseUrl}/topics/${TOPIC}/search`);
  await page.getByRole('alert').filter({ hasText: 'error 40301' }).waitFor();
  await context.close();
}, 60_000);

it('lets a writer without READ produce, and says why records and the live tail are refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, stack.console.baseUrl, 'writer', USER_PASSWORD);
  await page.goto(`${stack.console.baseUrl}/topics/${TOPIC}/messages`);
  await page.getByRole('alert').filter({ hasText: 'The broker refused to read this topic' }).filter({ hasText: 'error 40301' }).waitFor();
  const form = page.getByRole('form', { name: 'Produce a message' });
  await form.getByLabel('Value', { exact: true }).fill('from-writer');
  await form.getByRole('button', { name: 'Produce' }).click();
  await page.getByText(/Produced to partition 0 at offset \d+\./).waitFor();
  const stored = await call(stack.broker, admin, 'GET', `/v3/clusters/-/topics/${TOPIC}/partitions/0/records?offset=0&format=string`);
  expect((stored.body as { data: { value: { data: string } }[] }).data.map((r) => r.value.data)).toContain('from-writer');

  await page.getByRole('button', { name: 'Start live tail' }).click();
  await page.getByRole('alert').filter({ hasText: 'The live tail stopped' }).waitFor();
  await page.getByTestId('tail-status').filter({ hasText: 'Stopped' }).waitFor();
  await context.close();
}, 60_000);
