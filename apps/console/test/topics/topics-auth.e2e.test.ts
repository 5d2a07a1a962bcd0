import type { Browser, Page } from 'playwright-core';
import { admin, createAcls, createUser, USER_PASSWORD } from '../../../broker/test/support/acl-helpers';
import { launchBrowser, signIn } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';
import { createTopic, shownTopics } from './helpers';

/**
 * The topics area with authentication on, as a user who may only DESCRIBE (and DESCRIBE_CONFIGS) topics named `seen-*`:
 * the list counts only those, actions the user may not take are disabled and say which ACL is
 * missing, and the change stream tells only about topics the user may see.
 */
let browser: Browser;
let stack: Stack;
let page: Page;

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ auth: true })]);
  await createUser(stack.broker, 'viewer');
  await createAcls(stack.broker, [
    {
      resource_type: 'TOPIC',
      resource_name: 'seen-',
      pattern_type: 'PREFIXED',
      principal: 'User:viewer',
      operation: 'DESCRIBE',
      permission: 'ALLOW',
    },
    {
      resource_type: 'TOPIC',
      resource_name: 'seen-',
      pattern_type: 'PREFIXED',
      principal: 'User:viewer',
      operation: 'DESCRIBE_CONFIGS',
      permission: 'ALLOW',
    },
  ]);
  await createTopic(stack.broker, 'seen-1', 1, admin);
  await createTopic(stack.broker, 'hidden-1', 1, admin);
  page = await (await browser.newContext()).newPage();
  await signIn(page, stack.console.baseUrl, 'viewer', USER_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

it('lists only the topics the user may describe and disables creating with the reason', async () => {
  await page.goto(`${stack.console.baseUrl}/topics`);
  await page.getByText('1 shown of 1').waitFor();
  expect(await shownTopics(page)).toEqual(['seen-1']);
  const create = page.getByRole('button', { name: /Create topic/ });
  expect(await create.isDisabled()).toBe(true);
  const reason = "Not allowed: CREATE on cluster 'kafka-cluster' needs an ACL (ask an administrator)";
  expect(await create.getAttribute('title')).toBe(reason);
  expect(await create.textContent()).toContain(reason); // read out by screen readers

  await page.goto(`${stack.console.baseUrl}/topics/new`);
  await page.getByRole('status').filter({ hasText: reason }).waitFor();
  expect(await page.getByRole('button', { name: /Create topic/ }).isDisabled()).toBe(true);
  expect(await page.getByLabel('Name').isDisabled()).toBe(true);
});

it('disables managing and editing configs without ALTER, ALTER_CONFIGS and DELETE', async () => {
  await page.goto(`${stack.console.baseUrl}/topics/seen-1/settings`);
  const remove = page.getByRole('button', { name: /Delete topic/ });
  await remove.waitFor();
  expect(await remove.getAttribute('title')).toContain("DELETE on topic 'seen-1'");
  expect(await page.getByRole('button', { name: /Add partitions/ }).getAttribute('title')).toContain("ALTER on topic 'seen-1'");

  await page.goto(`${stack.console.baseUrl}/topics/seen-1/configs`);
  await page.getByRole('status').filter({ hasText: "ALTER_CONFIGS on topic 'seen-1'" }).waitFor();
  expect(await page.getByLabel('retention.ms', { exact: true }).isDisabled()).toBe(true);
});

it("shows the broker's refusal for a topic the user may not describe, and hides the audit log on the overview", async () => {
  await page.goto(`${stack.console.baseUrl}/topics/hidden-1`);
  await page.getByRole('alert').filter({ hasText: 'HTTP 403' }).waitFor();
  await page.goto(stack.console.baseUrl);
  await page.getByText("Audit events are hidden: Not allowed: DESCRIBE on cluster 'kafka-cluster'").waitFor();
});

it('hears only about new topics the user may describe', async () => {
  await page.goto(`${stack.console.baseUrl}/topics`);
  await page.getByText('Live: changes appear as they happen').waitFor();
  await createTopic(stack.broker, 'hidden-2', 1, admin);
  await createTopic(stack.broker, 'seen-2', 1, admin);
  await page.getByRole('status').filter({ hasText: '1 new topic' }).waitFor();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByText('2 shown of 2').waitFor();
  expect(await shownTopics(page)).toEqual(['seen-1', 'seen-2']);
});
