import type { Browser, BrowserContext, Page } from 'playwright-core';
import { USER_PASSWORD, admin, call, createAcls, createUser, type AclSpec } from '../../../broker/test/support/acl-helpers';
import { launchBrowser, signIn } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The group pages with authentication on, signed in as a user with few ACLs: the list holds only
 * the groups the user may DESCRIBE, actions the user may not take are disabled with the reason the
 * broker's authorizer gives (READ for a reset, DELETE for a delete), a group the user may not see
 * shows the broker's 40301, and once an ACL allows it the same button works.
 */
let browser: Browser;
let stack: Stack;
let context: BrowserContext;
let page: Page;

const acl = (resource_type: AclSpec['resource_type'], resource_name: string, operation: string): AclSpec => ({
  resource_type,
  resource_name,
  pattern_type: 'LITERAL',
  principal: 'User:viewer',
  operation,
  permission: 'ALLOW',
});

beforeAll(async () => {
  browser = await launchBrowser();
  stack = await startStack({ auth: true });
  expect((await call(stack.broker, admin, 'POST', '/v3/clusters/-/topics', { topic_name: 'orders', partitions_count: 1 })).status).toBe(
    201,
  );
  // Two empty groups with committed offsets (a reset creates a group, as Kafka's tool does).
  for (const group of ['billing', 'hidden']) {
    const reset = await call(stack.broker, admin, 'POST', `/v3/clusters/-/consumer-groups/${group}/offsets:reset`, {
      topic: 'orders',
      to: 'earliest',
    });
    expect(reset.status).toBe(200);
  }
  await createUser(stack.broker, 'viewer');
  await createAcls(stack.broker, [acl('GROUP', 'billing', 'DESCRIBE'), acl('TOPIC', 'orders', 'DESCRIBE')]);
  context = await browser.newContext();
  page = await context.newPage();
  await signIn(page, stack.console.baseUrl, 'viewer', USER_PASSWORD);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

describe('consumer group pages with authentication on', () => {
  it('lists only the groups the user may describe, and shows 40301 for another', async () => {
    await page.goto(`${stack.console.baseUrl}/groups`);
    await page.getByRole('link', { name: 'billing', exact: true }).waitFor();
    await page.getByText('1 shown of 1').waitFor();
    expect(await page.getByRole('link', { name: 'hidden', exact: true }).count()).toBe(0);

    await page.goto(`${stack.console.baseUrl}/groups/hidden`);
    const refused = page.getByRole('alert').filter({ hasText: 'error 40301' });
    await refused.waitFor();
  });

  it('disables reset and delete with the reason, and enables them once ACLs allow', async () => {
    await page.goto(`${stack.console.baseUrl}/groups/billing`);
    const reset = page.getByRole('button', { name: /^Reset offsets/ });
    await reset.waitFor();
    expect(await reset.isDisabled()).toBe(true);
    expect(await reset.getAttribute('title')).toBe("Not allowed: READ on group 'billing' needs an ACL (ask an administrator)");
    const remove = page.getByRole('button', { name: /^Delete group/ });
    expect(await remove.isDisabled()).toBe(true);
    expect(await remove.getAttribute('title')).toBe("Not allowed: DELETE on group 'billing' needs an ACL (ask an administrator)");
    expect(await page.getByLabel('Type billing to confirm').isDisabled()).toBe(true);

    await createAcls(stack.broker, [acl('GROUP', 'billing', 'READ'), acl('TOPIC', 'orders', 'READ'), acl('GROUP', 'billing', 'DELETE')]);
    await page.reload();
    await page.getByRole('link', { name: 'Reset offsets' }).click();
    await page.waitForURL(/\/groups\/billing\/reset$/);
    await page.getByRole('radio', { name: 'Latest' }).check();
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('region', { name: 'Preview' }).waitFor();
    expect(await page.getByTestId('offset-0').textContent()).toBe('0 → 0');

    await page.goto(`${stack.console.baseUrl}/groups/billing`);
    await page.getByLabel('Type billing to confirm').fill('billing');
    await page.getByRole('button', { name: 'Delete group', exact: true }).click();
    await page.waitForURL(`${stack.console.baseUrl}/groups`);
    const gone = await call(stack.broker, admin, 'GET', '/v3/clusters/-/consumer-groups/billing');
    expect(gone.status).toBe(404);
  });
});
