/**
 * What a first-time user tripped on, in real Chromium against a real Herald: upcoming posts in time
 * order on the dashboard and the posts list (sortable), statuses on the calendar with a filter for
 * cancelled posts, a workspace admin who is not the instance admin managing the workspace's own
 * platform apps, invitation links and changing a password. Each page is checked with axe.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/scripts/build-web.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import {
  chromiumMissingReason,
  DESKTOP,
  describeViolations,
  launchChromium,
  PHONE,
  screenshot,
  seriousAxeViolations,
} from './support/browser.ts';

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the first-user browser tests: ${missing}`);

const ADMIN = { name: 'Ada Admin', email: 'ada@example.test', password: 'correct horse battery staple' };
const WANDA = { name: 'Wanda Admin', email: 'wanda@example.test', password: 'wanda first password' };

describe.skipIf(missing)('first-user fixes in Chromium', () => {
  let herald: TestHerald;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let inviteLink: string;
  const errors: string[] = [];

  const checkAxe = async (p: Page, name: string) => {
    const violations = await seriousAxeViolations(p);
    expect(violations, describeViolations(name, violations)).toEqual([]);
  };

  /** A JSON call from inside the page, with the session's CSRF token. */
  const call = (p: Page, method: string, url: string, body?: unknown) =>
    p.evaluate(
      async ({ method, url, body }) => {
        const me = (await (await fetch('/api/me')).json()) as {
          csrfToken: string;
          workspaces: { id: string }[];
        };
        const res = await fetch(url.replace(':ws', me.workspaces[0]!.id), {
          method,
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> };
      },
      { method, url, body },
    );

  beforeAll(async () => {
    buildWeb({ ifStale: true, quiet: true });
    herald = await startHerald();
    base = await herald.listen();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris', locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await herald?.close();
  });

  it('sets up, connects a sandbox account and schedules posts in a muddled order', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL('**/setup');
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/channels');
    await page.getByRole('button', { name: 'Connect Sandbox' }).click();
    await page.waitForURL('**/sandbox/oauth/authorize**');
    await page.getByLabel('Sandbox username').fill('alice');
    await page.getByRole('button', { name: 'Authorize' }).click();
    await page.waitForURL(/\/channels\?connected=/);

    const channels = await call(page, 'GET', '/api/workspaces/:ws/channels');
    const channelId = (channels.json.items as { id: string }[])[0]!.id;
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    // Created in this order, so creation order is not time order.
    for (const [content, days] of [
      ['Post for tomorrow', 1],
      ['Post in eleven days', 11],
      ['Post in two days', 2],
      ['Cancelled post', 1.5],
    ] as const) {
      const res = await call(page, 'POST', '/api/workspaces/:ws/posts', {
        content,
        channelIds: [channelId],
        scheduledAt: inDays(days),
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      if (content === 'Cancelled post') {
        const cancelled = await call(
          page,
          'POST',
          `/api/workspaces/:ws/posts/${res.json.id as string}/cancel`,
          {},
        );
        expect(cancelled.status, JSON.stringify(cancelled.json)).toBe(200);
      }
    }
  });

  it('lists what is coming up soonest first on the dashboard', async () => {
    await page.goto(`${base}/`);
    const card = page
      .locator('section.card')
      .filter({ has: page.getByRole('heading', { name: 'Coming up' }) });
    await screenshot(page, 'first-user-dashboard-desktop');
    await expect.poll(() => card.locator('li').count()).toBe(3);
    expect(await card.locator('li').allTextContents()).toEqual([
      expect.stringContaining('Post for tomorrow'),
      expect.stringContaining('Post in two days'),
      expect.stringContaining('Post in eleven days'),
    ]);
  });

  it('sorts the posts list by time, and by column', async () => {
    await page.goto(`${base}/posts?status=scheduled`);
    const firstColumn = () => page.locator('tbody tr td:first-child').allTextContents();
    await expect.poll(firstColumn).toEqual(['Post for tomorrow', 'Post in two days', 'Post in eleven days']);
    await page.getByRole('button', { name: /^When/ }).click();
    await expect.poll(firstColumn).toEqual(['Post in eleven days', 'Post in two days', 'Post for tomorrow']);
    expect(await page.getByRole('columnheader', { name: /When/ }).getAttribute('aria-sort')).toBe(
      'descending',
    );
    await checkAxe(page, 'posts');
  });

  it('shows each status on the calendar and hides cancelled posts on request', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.goto(`${base}/calendar?view=agenda&date=${tomorrow}`);
    const cancelled = page.locator('.cal-event[data-status="cancelled"]');
    await expect.poll(() => cancelled.count()).toBe(1);
    expect(await cancelled.textContent()).toContain('cancelled');
    expect(await page.locator('.cal-event[data-status="scheduled"]').first().textContent()).toContain(
      'scheduled',
    );
    await checkAxe(page, 'calendar agenda');
    await page.getByLabel('Show cancelled posts').uncheck();
    await expect.poll(() => cancelled.count()).toBe(0);
    expect(await page.locator('.cal-event[data-status="scheduled"]').count()).toBeGreaterThan(0);
    // Week view opens at the working day, with 24-hour times for an en-GB reader.
    await page.goto(`${base}/calendar?view=week&date=${tomorrow}`);
    await expect
      .poll(async () =>
        (await page.locator('.fc-timegrid-slot-label, [data-time]').allTextContents()).join(' '),
      )
      .not.toMatch(/\b(am|pm)\b/i);
    await expect
      .poll(() =>
        page.evaluate(() =>
          Math.max(...[...document.querySelectorAll<HTMLElement>('*')].map((el) => el.scrollTop)),
        ),
      )
      .toBeGreaterThan(100);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'first-user-calendar-week-phone');
    await page.setViewportSize(DESKTOP);
  });

  it('invites a workspace admin with a link; they choose their own password', async () => {
    await page.goto(`${base}/settings/members`);
    await page.getByLabel('Email').fill(WANDA.email);
    await page.getByLabel('Name', { exact: true }).fill(WANDA.name);
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Invite member' }).click();
    inviteLink = await page.getByLabel('One-time link').inputValue();
    expect(inviteLink).toContain('/set-password/');
    await checkAxe(page, 'members with a link');
  });

  it("lets a workspace admin who is not the instance admin save the workspace's own apps, and change their password", async () => {
    const other = await browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris' });
    const wanda = await other.newPage();
    wanda.setDefaultTimeout(15_000);
    await wanda.goto(inviteLink);
    await expect.poll(() => wanda.getByRole('heading', { name: 'Welcome to Herald' }).isVisible()).toBe(true);
    await checkAxe(wanda, 'set password');
    await wanda.getByLabel('New password').fill(WANDA.password);
    await wanda.getByRole('button', { name: 'Save password and sign in' }).click();
    await wanda.waitForURL(`${base}/`);

    await wanda.goto(`${base}/settings/platform-apps`);
    await expect.poll(() => wanda.getByRole('heading', { name: "Acme's own apps" }).isVisible()).toBe(true);
    expect(await wanda.getByText(/only instance admins/).count()).toBe(0);
    expect(await wanda.getByRole('heading', { name: 'Instance-wide apps' }).count()).toBe(0);
    await wanda.getByLabel('Platform').selectOption('sandbox');
    await wanda.getByLabel('Name', { exact: true }).fill('Acme sandbox client');
    await wanda.getByLabel('Client id').fill('acme-client-id');
    await wanda.getByLabel('Client secret').fill('acme-client-secret');
    await wanda.getByRole('button', { name: 'Save platform app' }).click();
    await expect.poll(() => wanda.getByText('acme-client-id').isVisible()).toBe(true);
    await checkAxe(wanda, 'platform apps');

    await wanda.goto(`${base}/settings/account`);
    await wanda.getByLabel('Current password').fill(WANDA.password);
    await wanda.getByLabel('New password').fill('wanda second password');
    await wanda.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => wanda.getByText(/Password changed/).isVisible()).toBe(true);
    await checkAxe(wanda, 'account');
    await screenshot(wanda, 'first-user-account-desktop');
    await other.close();
    const login = await herald.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: WANDA.email, password: 'wanda second password' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('had no page errors', () => {
    expect(errors).toEqual([]);
  });
});
