import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { admin, ADMIN_PASSWORD, call, eventually } from '../../../broker/test/support/acl-helpers';
import { launchBrowser, signIn } from '../support/browser';
import { startStack, type Stack } from '../support/console-process';

/**
 * The security pages as an administrator and a user meet them, in a real Chromium against a real
 * console and a real broker with authentication on: a user and an API key created from the UI
 * (the secret shown once), a produce of that user denied and then allowed once an ACL from the
 * producer template exists (and "can this principal…?" saying so, with the deciding ACL), a quota
 * set, seen as effective and deleted, the audit log showing these changes, and the same pages as a
 * non-admin with every admin action disabled with its reason. What the UI did is read back from
 * the broker over HTTP.
 */
let browser: Browser;
let stack: Stack;
let adminContext: BrowserContext;
let page: Page;
const USER = 'carol';
const PASSWORD = 'carol-password-1';
const TOPIC = 'orders';

const url = (path: string) => `${stack.console.baseUrl}${path}`;
const asAdmin = (method: string, path: string, body?: unknown) => call(stack.broker, admin, method, path, body);

/** A produce as carol through the console's proxy with her own session (what her browser would send). */
async function produceAs(userPage: Page): Promise<{ status: number; body: { error_code?: number; message?: string } }> {
  return userPage.evaluate(async (topic) => {
    const answer = await fetch(`/api/broker/v3/clusters/-/topics/${topic}/records`, {
      method: 'POST',
      headers: { 'x-runnel-console': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ value: { type: 'STRING', data: 'hello' } }),
    });
    return { status: answer.status, body: (await answer.json()) as { error_code?: number; message?: string } };
  }, TOPIC);
}

/** Asks the principal page whether carol may WRITE to the topic; answers the shown verdict's text. */
/** The list's row count once it equals `expected`, or the last count after 15 s (the assertion then shows it). */
async function rowCountOnceSettled(list: Locator, expected: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const count = await list.getByRole('row').count();
    if (count === expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checkWrite(): Promise<string> {
  await page.goto(url(`/security/principals/${encodeURIComponent(`User:${USER}`)}`));
  await page.getByLabel('Operation').selectOption('WRITE');
  await page.getByLabel('Resource type', { exact: true }).selectOption('TOPIC');
  await page.getByLabel('Resource name', { exact: true }).fill(TOPIC);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.waitForURL(/check_op=WRITE/);
  const answer = page.getByTestId('check-answer');
  await answer.waitFor();
  return (await answer.textContent()) ?? '';
}

beforeAll(async () => {
  stack = await startStack({ auth: true });
  browser = await launchBrowser();
  const created = await asAdmin('POST', '/v3/clusters/-/topics', { topic_name: TOPIC, partitions_count: 1 });
  expect(created.status).toBe(201);
  adminContext = await browser.newContext();
  page = await adminContext.newPage();
  await signIn(page, stack.console.baseUrl, 'admin', ADMIN_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('security pages with authentication on', () => {
  let carol: BrowserContext;
  let carolPage: Page;

  it('creates a user and an API key whose secret is shown once', async () => {
    await page.goto(url('/security/users'));
    await page.getByLabel('User name').fill(USER);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Mechanism').selectOption('SCRAM-SHA-512');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`User ${USER} created.`).waitFor();
    await page.getByRole('link', { name: USER, exact: true }).waitFor();
    const user = await asAdmin('GET', `/v3/clusters/-/users/${USER}`);
    expect(user.status).toBe(200);
    expect(user.body.mechanisms.map((m: { mechanism: string }) => m.mechanism)).toEqual(['SCRAM-SHA-512']);

    await page.getByRole('link', { name: `Open ${USER}` }).click();
    await page.getByRole('heading', { name: `User:${USER}` }).waitFor();
    expect(await page.getByTestId('mechanisms').textContent()).toContain('SCRAM-SHA-512');
    await page.getByLabel(/^Expires/).fill('2030-01-01 00:00');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secret = page.getByTestId('api-key-secret');
    await secret.waitFor();
    const token = ((await secret.textContent()) ?? '').trim();
    expect(token).toMatch(/^rnl_/);
    await page.getByText('it is shown only this once').waitFor();
    await page.getByRole('button', { name: 'Copy secret' }).waitFor();

    const keys = await asAdmin('GET', `/v3/clusters/-/users/${USER}/api-keys`);
    expect(keys.body.data).toHaveLength(1);
    expect(keys.body.data[0].expires_at).toBe(Date.UTC(2030, 0, 1)); // entered in the user's zone, UTC here
    await page.getByRole('cell', { name: keys.body.data[0].key_id, exact: true }).waitFor();
    // The key works, and the secret is nowhere once the page is opened again.
    const me = await fetch(`${stack.broker.baseUrl}/v3/auth/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { principal: string }).principal).toBe(`User:${USER}`);
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    expect(await page.getByTestId('api-key-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    await page.getByRole('button', { name: `Revoke API key ${keys.body.data[0].key_id}` }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('No API keys.').waitFor();
    expect((await asAdmin('GET', `/v3/clusters/-/users/${USER}/api-keys`)).body.data).toHaveLength(0);
  });

  it("denies the new user's produce, and the principal page says denied", async () => {
    carol = await browser.newContext();
    carolPage = await carol.newPage();
    await signIn(carolPage, stack.console.baseUrl, USER, PASSWORD);
    const denied = await produceAs(carolPage);
    expect(denied.status).toBe(403);
    expect(denied.body.error_code).toBe(40301);

    const verdict = await checkWrite();
    expect(verdict).toContain('Denied');
    expect(verdict).toContain('Decided by: default');

    // The denial shows on the principal page (the audit log is written shortly after the refusal).
    await eventually(
      async () => {
        await page.reload();
        return (
          (await page
            .getByRole('table', { name: `Recent denials of User:${USER}` })
            .getByText(`TOPIC:${TOPIC}`)
            .count()) > 0
        );
      },
      20_000,
      'the denial on the principal page',
    );
    // The principal page shows the newest denials; its link opens the whole filtered audit log.
    await page.getByRole('link', { name: 'all of them in the audit log' }).click();
    await page.waitForURL(/\/security\/audit\?principal=User%3Acarol&outcome=DENIED$/);
    await page.getByRole('table', { name: 'Audit events, newest first' }).getByText(`TOPIC:${TOPIC}`).first().waitFor();
  });

  it('creates the producer template ACLs after showing them; the produce is then allowed and the check names the ACL', async () => {
    await page.goto(url('/security/acls'));
    const creator = page.getByRole('form', { name: 'Create ACLs' });
    await creator.getByLabel('Template').selectOption('producer');
    await creator.getByLabel('Principal', { exact: true }).fill(`User:${USER}`);
    await creator.getByLabel('Topic', { exact: true }).fill(TOPIC);
    const preview = page.getByRole('table', { name: 'ACLs to create' });
    await page.getByText('This creates 3 ACLs:').waitFor();
    for (const operation of ['WRITE', 'DESCRIBE', 'IDEMPOTENT_WRITE'])
      await preview.getByRole('cell', { name: operation, exact: true }).waitFor();
    expect(await preview.getByRole('row').count()).toBe(4);
    await page.getByRole('button', { name: 'Create 3 ACLs' }).click();
    await page.getByText('3 ACLs created.').waitFor();
    const list = page.getByRole('table', { name: 'ACLs', exact: true });
    await list.getByRole('cell', { name: 'IDEMPOTENT_WRITE', exact: true }).waitFor();

    // The list follows the broker's change stream: an ACL created and deleted elsewhere appears and goes without a reload.
    await page.getByText('Live: ACL changes appear as they happen').waitFor();
    const elsewhere = {
      resource_type: 'TOPIC',
      resource_name: 'elsewhere',
      pattern_type: 'LITERAL',
      principal: 'User:dave',
      host: '*',
      operation: 'READ',
      permission: 'DENY',
    };
    expect((await asAdmin('POST', '/v3/clusters/-/acls', elsewhere)).status).toBe(201);
    await list.getByRole('cell', { name: 'elsewhere', exact: true }).waitFor();
    expect((await asAdmin('DELETE', `/v3/clusters/-/acls?${new URLSearchParams(elsewhere).toString()}`)).status).toBe(200);
    await list.getByRole('cell', { name: 'elsewhere', exact: true }).waitFor({ state: 'detached' });

    const stored = await asAdmin('GET', `/v3/clusters/-/acls?principal=User:${USER}`);
    expect(stored.body.data.map((a: { operation: string; resource_type: string }) => `${a.resource_type}:${a.operation}`).sort()).toEqual([
      'CLUSTER:IDEMPOTENT_WRITE',
      'TOPIC:DESCRIBE',
      'TOPIC:WRITE',
    ]);

    // The filters are the broker's: by operation, then cleared.
    const filters = page.getByRole('search', { name: 'Filter ACLs' });
    await filters.getByLabel('Operation').selectOption('WRITE');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/operation=WRITE/);
    // The URL changes before the filtered list replaces the old one: wait for the header and the one WRITE row.
    expect(await rowCountOnceSettled(list, 2)).toBe(2);

    const allowed = await produceAs(carolPage);
    expect(allowed.status).toBe(200);
    const verdict = await checkWrite();
    expect(verdict).toContain('Allowed');
    expect(verdict).toContain(`ACL ALLOW WRITE on TOPIC LITERAL '${TOPIC}' for User:${USER}`);
    // The principal page lists the ACLs filtered by the broker.
    expect(
      await page
        .getByRole('table', { name: `ACLs of User:${USER}` })
        .getByRole('row')
        .count(),
    ).toBe(4);
  });

  it('sets a quota, shows it as the effective quota, and deletes it', async () => {
    await page.goto(url('/security/quotas'));
    const form = page.getByRole('form', { name: 'Set a quota' });
    await form.getByLabel('User', { exact: true }).fill(USER);
    await form.getByLabel('Producer byte rate').fill('1048576');
    await page.getByRole('button', { name: 'Set quota' }).click();
    await page.getByText(`Quota of user ${USER} saved.`).waitFor();
    const row = page.getByRole('table', { name: 'Quotas', exact: true }).getByRole('row', { name: new RegExp(`user ${USER}`) });
    await row.getByRole('cell', { name: '1.00 MiB/s' }).waitFor();
    const stored = await asAdmin('GET', '/v3/clusters/-/quotas');
    expect(stored.body.data).toEqual([expect.objectContaining({ entity: { user: USER }, producer_byte_rate: 1048576 })]);

    await row.getByRole('link', { name: `user ${USER}` }).click();
    await page.waitForURL(/user=carol/);
    const effective = page.getByRole('table', { name: `Effective quotas of user ${USER}` });
    const producer = effective.getByRole('row', { name: /Producer byte rate/ });
    await producer.getByRole('cell', { name: '1.00 MiB/s' }).waitFor();
    expect(await producer.textContent()).toContain(`user ${USER}`);
    expect(await page.getByTestId('throttle').textContent()).toContain('none');

    await page.getByRole('button', { name: `Delete quotas of user ${USER}` }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('No quotas: every client may use the broker without limits.').waitFor();
    expect((await asAdmin('GET', '/v3/clusters/-/quotas')).body.data).toEqual([]);
  });

  it('shows the user creation and the ACL change in the audit log, newest first, with the diff', async () => {
    await page.goto(url('/security/audit'));
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    const created = table
      .getByRole('row')
      .filter({ hasText: 'CREATE_USER' })
      .filter({ hasText: `USER:${USER}` });
    await created.waitFor();
    const acls = table.getByRole('row').filter({ hasText: 'CREATE_ACLS' });
    await acls.first().waitFor();
    const operations = await table.getByRole('row').evaluateAll((rows) => rows.map((r) => r.textContent ?? ''));
    const at = (text: string) => operations.findIndex((row) => row.includes(text));
    expect(at('DELETE_QUOTAS')).toBeLessThan(at('CREATE_ACLS'));
    expect(at('CREATE_ACLS')).toBeLessThan(operations.findIndex((row) => row.includes('CREATE_USER') && row.includes(`USER:${USER}`)));
    // The oldest CREATE_ACLS is the producer template's (newer ones are the ACL made elsewhere).
    await acls.last().getByText('Diff').click();
    await acls.last().getByText('"operation": "IDEMPOTENT_WRITE"').waitFor();
    expect(await created.textContent()).toContain('User:admin');

    // Filtered by the broker: carol's denials only.
    const filters = page.getByRole('search', { name: 'Filter the audit log' });
    await filters.getByLabel('Principal').fill(`User:${USER}`);
    await filters.getByLabel('Outcome').selectOption('DENIED');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/outcome=DENIED/);
    await table
      .getByRole('row')
      .filter({ hasText: `TOPIC:${TOPIC}` })
      .first()
      .waitFor();
    const rows = await table.getByRole('row').evaluateAll((all) => all.slice(1).map((r) => r.textContent ?? ''));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.includes(`User:${USER}`) && row.includes('DENIED'))).toBe(true);
  });

  it('pages a filtered audit log newest first with Older and Newest, as the broker orders it', async () => {
    // More matching events than a page (50): ACL creations, each its own audit record.
    for (let i = 0; i < 55; i++) {
      const binding = { resource_type: 'TOPIC', resource_name: `pager-${i}`, pattern_type: 'LITERAL', principal: 'User:pager' };
      expect((await asAdmin('POST', '/v3/clusters/-/acls', { ...binding, host: '*', operation: 'READ', permission: 'ALLOW' })).status).toBe(
        201,
      );
    }
    const expected: number[] = [];
    for (let next: string | null = '/v3/clusters/-/audit-log?order=desc&operation=CREATE_ACLS&resource=ACL&limit=1000'; next;) {
      const answer = await asAdmin('GET', next.replace(/^https?:\/\/[^/]+/, ''));
      expected.push(...answer.body.data.map((e: { id: number }) => e.id));
      next = answer.body.next;
    }
    expect(expected.length).toBeGreaterThanOrEqual(56);

    await page.goto(url('/security/audit'));
    const filters = page.getByRole('search', { name: 'Filter the audit log' });
    await filters.getByLabel('Operation').fill('create_acls'); // operations are matched upper-case
    await filters.getByLabel('Resource').fill('ACL');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/resource=ACL/);
    const pager = page.getByRole('navigation', { name: 'Pages' });
    const range = (ids: number[]) => `Events ${ids[ids.length - 1]}–${ids[0]}`;
    await pager.getByText(range(expected.slice(0, 50))).waitFor();
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    const operations = await table.locator('tbody tr td:nth-child(5)').allTextContents();
    expect(operations).toEqual(Array(50).fill('CREATE_ACLS'));
    expect(await pager.getByRole('link', { name: 'Newest' }).count()).toBe(0);

    await pager.getByRole('link', { name: 'Older' }).click();
    await page.waitForURL(new RegExp(`before=${expected[49]}`));
    await pager.getByText(range(expected.slice(50, 100))).waitFor();
    expect(page.url()).toContain('operation=CREATE_ACLS');
    if (expected.length <= 100) expect(await pager.getByRole('link', { name: 'Older' }).count()).toBe(0);

    await pager.getByRole('link', { name: 'Newest' }).click();
    await pager.getByText(range(expected.slice(0, 50))).waitFor();
    expect(page.url()).not.toContain('before=');
  });

  it('shows a non-admin every admin action disabled with the reason', async () => {
    const reason = "Not allowed: ALTER on cluster 'kafka-cluster' needs an ACL";
    await carolPage.goto(url('/security/users'));
    await carolPage.getByRole('alert').filter({ hasText: 'HTTP 403' }).waitFor();
    const create = carolPage.getByRole('button', { name: /Create user/ });
    expect(await create.isDisabled()).toBe(true);
    expect(await create.getAttribute('title')).toContain(reason);

    await carolPage.goto(url('/security/acls'));
    const createAcls = carolPage.getByRole('button', { name: /Create ACL/ });
    expect(await createAcls.isDisabled()).toBe(true);
    expect(await createAcls.getAttribute('title')).toContain(reason);

    await carolPage.goto(url('/security/quotas'));
    const setQuota = carolPage.getByRole('button', { name: /Set quota/ });
    expect(await setQuota.isDisabled()).toBe(true);
    expect(await setQuota.getAttribute('title')).toContain(reason);

    await carolPage.goto(url(`/security/principals/${encodeURIComponent(`User:${USER}`)}`));
    for (const name of [/Set password/, /Create API key/, /Delete user/]) {
      const button = carolPage.getByRole('button', { name });
      expect(await button.isDisabled()).toBe(true);
      expect(await button.getAttribute('title')).toContain(reason);
    }
    await carol.close();
  });

  it('changes a password and deletes a user after typing its name', async () => {
    await page.goto(url(`/security/principals/${encodeURIComponent(`User:${USER}`)}`));
    await page.getByLabel('New password').fill('carol-password-2');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Password changed.').waitFor();
    const old = await call(stack.broker, { user: USER, password: PASSWORD }, 'GET', '/v3/auth/whoami');
    expect(old.status).toBe(401);

    const confirm = page.getByRole('button', { name: `Delete user ${USER}` });
    expect(await confirm.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${USER} to confirm`).fill(USER);
    await confirm.click();
    await page.waitForURL(url('/security/users'));
    expect((await asAdmin('GET', `/v3/clusters/-/users/${USER}`)).status).toBe(404);
  });
});
