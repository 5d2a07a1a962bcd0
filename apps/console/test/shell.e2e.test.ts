import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD } from '../../broker/test/support/acl-helpers';
import { launchBrowser } from './support/browser';
import { startStack, type Stack } from './support/console-process';

/**
 * The console's frame as a user meets it, in a real Chromium against a real console and broker:
 * with auth off it opens with a warning banner; with auth on it asks to sign in, says when
 * credentials are wrong, keeps the session in an HTTP-only cookie, passes the user's own
 * credentials to the broker, and signs out. The time zone chosen in Settings is used everywhere.
 */
let browser: Browser;
const stacks: Stack[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

describe('console with authentication off', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    stacks.push(stack);
  });

  it('opens without sign-in, shows the banner and the anonymous principal; /signin sends you back', async () => {
    const page = await browser.newPage();
    await page.goto(stack.console.baseUrl);
    await page.getByText(/^Authentication is off: anyone who can reach this broker may do anything/).waitFor();
    expect(await page.getByTestId('principal').textContent()).toContain('User:ANONYMOUS');
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await page.goto(`${stack.console.baseUrl}/signin`);
    await page.waitForURL(`${stack.console.baseUrl}/`);
    await page.close();
  });

  it('keeps the chosen time zone in this browser and shows it on every page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/settings`);
    await page.getByLabel('Time zone').selectOption('Asia/Tokyo');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.goto(stack.console.baseUrl);
    await page.getByRole('link', { name: 'Asia/Tokyo' }).waitFor();
    const other = await browser.newPage(); // another browser profile still has UTC
    await other.goto(stack.console.baseUrl);
    await other.getByRole('link', { name: 'UTC' }).waitFor();
    await other.close();
    await context.close();
  });

  it('proxies the API only for the console itself', async () => {
    const refused = await fetch(`${stack.console.baseUrl}/api/broker/v3/clusters`);
    expect(refused.status).toBe(403);
    const ok = await fetch(`${stack.console.baseUrl}/api/broker/v3/clusters`, { headers: { 'x-runnel-console': '1' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: unknown[] }).data).toHaveLength(1);
    const outside = await fetch(`${stack.console.baseUrl}/api/broker/metrics`, { headers: { 'x-runnel-console': '1' } });
    expect(outside.status).toBe(404);
  });
});

describe('console with authentication on', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ auth: true });
    stacks.push(stack);
  });

  it('asks to sign in, refuses wrong credentials, signs in with an HTTP-only cookie and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/settings`);
    await page.waitForURL(/\/signin\?next=%2Fsettings/);
    expect(await page.getByText(/^Authentication is off/).count()).toBe(0);

    await page.getByLabel('User', { exact: true }).fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'did not accept these credentials' }).waitFor();

    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.console.baseUrl}/settings`); // back to the page asked for
    expect(await page.getByTestId('principal').textContent()).toContain('User:admin');
    const cookie = (await context.cookies()).find((c) => c.name === 'runnel_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.value).not.toContain(ADMIN_PASSWORD);

    // The browser's API calls carry the user's own credentials (through the console's proxy).
    const me = await page.evaluate(async () => {
      const answer = await fetch('/api/broker/v3/auth/whoami', { headers: { 'x-runnel-console': '1' } });
      return (await answer.json()) as { principal: string };
    });
    expect(me.principal).toBe('User:admin');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    // The old session is gone on the server too: its cookie no longer opens a page.
    const again = await fetch(`${stack.console.baseUrl}/api/broker/v3/auth/whoami`, {
      headers: { 'x-runnel-console': '1', cookie: `runnel_session=${cookie!.value}` },
    });
    expect(again.status).toBe(401);
    await context.close();
  });

  it('signs in with an API key', async () => {
    const auth = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`;
    const created = await fetch(`${stack.broker.baseUrl}/v3/clusters/-/users/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.console.baseUrl}/signin`);
    await page.getByLabel('API key', { exact: true }).first().check();
    await page.getByLabel('API key', { exact: true }).last().fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('principal').waitFor();
    expect(await page.getByTestId('principal').textContent()).toContain('User:admin');
    await context.close();
  });
});
