/**
 * The web app in real Chromium against a real Herald (PGlite, workers, the built-in sandbox network),
 * the way a person uses it: first-run setup → connect two sandbox accounts through the OAuth screens →
 * compose with an image for both → schedule a minute ahead → see it published on the calendar and in
 * the sandbox feed → a viewer sees everything and can change nothing → a fault injected in the sandbox
 * shows up as a failed target with its error, and Retry fixes it. Then every main page is checked with
 * axe and photographed at desktop and phone widths (test-results/screenshots/).
 *
 * The steps share one browser session and build on each other, so they run in order.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { buildWeb } from '../../web/scripts/build-web.ts';
import { startBlueskyServer } from '../platforms/bluesky/server.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { sandboxFeed, setKnobs, tinyPng, waitFor } from '../support/publishing.ts';
import {
  chromiumMissingReason,
  DESKTOP,
  describeViolations,
  launchChromium,
  PHONE,
  SCREENSHOT_DIR,
  screenshot,
  seriousAxeViolations,
} from './support/browser.ts';

const missing = chromiumMissingReason();
if (missing) console.warn(`skipping the web app's browser tests: ${missing}`);

const ADMIN = { name: 'Ada Admin', email: 'ada@example.test', password: 'correct horse battery staple' };
const VIEWER = { name: 'Vic Viewer', email: 'vic@example.test', password: 'viewer password 123' };
const TEXT = `Launch day! Herald ships today 🚀 ${Date.now().toString(36)}`;
const FAULT_TEXT = `Second post, with a fault on bob ${Date.now().toString(36)}`;

describe.skipIf(missing)('the web app in Chromium', () => {
  let herald: TestHerald;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let postId: string;
  const errors: string[] = [];

  beforeAll(async () => {
    // Vite builds web/dist once (or not at all when it is up to date with its sources).
    buildWeb({ ifStale: true, quiet: true });
    herald = await startHerald({ env: { HERALD_RETRY_BASE_SECONDS: '0.2', HERALD_POLL_SECONDS: '0.5' } });
    base = await herald.listen();
    await startWorkers(herald.deps, { concurrency: 4 });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris', locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await herald?.close();
  });

  it('sets up the first admin account and workspace', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL('**/setup');
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/channels');
    await expect
      .poll(() => page.getByRole('heading', { name: 'Channels', exact: true }).isVisible())
      .toBe(true);
  });

  it('connects two sandbox accounts through the OAuth screens', async () => {
    for (const username of ['alice', 'bob']) {
      await page.goto(`${base}/channels`);
      await page.getByRole('button', { name: 'Connect Sandbox' }).click();
      await page.waitForURL('**/sandbox/oauth/authorize**');
      await page.getByLabel('Sandbox username').fill(username);
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.waitForURL(/\/channels\?connected=/);
      await expect.poll(() => page.getByText('Connected.').isVisible()).toBe(true);
      await expect.poll(() => page.getByRole('heading', { name: new RegExp(username) }).count()).toBe(1);
    }
    await expect.poll(() => page.getByRole('link', { name: /Sandbox feed/ }).count()).toBe(2);
  });

  it('composes a post with an image for both channels, with live counters and a preview', async () => {
    await page.goto(`${base}/compose`);
    for (const name of ['alice', 'bob']) await page.getByRole('checkbox', { name: new RegExp(name) }).check();
    const text = page.getByLabel('Text', { exact: true });
    await text.fill(TEXT);
    // The sandbox counts graphemes: the rocket is one, though it is two UTF-16 units.
    await expect
      .poll(() => page.getByTestId('counter-sandbox').first().textContent())
      .toContain(`${[...new Intl.Segmenter().segment(TEXT)].length}/500`);
    // Too long for the sandbox: the counter and the field say so before anything is sent.
    await text.fill('x'.repeat(501));
    await expect
      .poll(() => page.getByTestId('counter-sandbox').first().getAttribute('data-state'))
      .toBe('over');
    await expect
      .poll(() =>
        page
          .getByText(/too many for/)
          .first()
          .isVisible(),
      )
      .toBe(true);
    await text.fill(TEXT);

    const file = path.join(os.tmpdir(), `herald-e2e-${process.pid}.png`);
    writeFileSync(file, tinyPng);
    await page.getByTestId('media-input').setInputFiles(file);
    const alt = page.getByLabel('Alt text for image 1');
    await alt.fill('The Herald logo on a launch banner');
    await alt.blur();
    await expect
      .poll(() => page.getByRole('article', { name: /Preview on/ }).textContent())
      .toContain('Launch day!');

    // A minute ahead (at least 20 s, so the time cannot pass while the form is sent).
    const at = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .format(at)
      .split(' ');
    await page.getByLabel('Date').fill(local[0]!);
    await page.getByLabel('Time', { exact: true }).fill(local[1]!);
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('Europe/Paris');
    await screenshot(page, 'composer-filled-desktop');
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.waitForURL(/\/posts\/[0-9a-f-]{36}$/);
    postId = page.url().split('/').pop()!;
    await expect
      .poll(() =>
        page
          .getByText(/Scheduled for/)
          .first()
          .isVisible(),
      )
      .toBe(true);
  });

  it('shows the post on the calendar and publishes it to both sandbox feeds', async () => {
    await page.goto(`${base}/calendar`);
    // The calendar is a lazily loaded chunk: give its first load time on a busy machine.
    await expect
      .poll(() => page.locator('.cal-event').filter({ hasText: 'Launch day!' }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);

    await page.goto(`${base}/posts/${postId}`);
    await waitFor(
      async () =>
        (await page.locator('[data-testid^="target-"]').filter({ hasText: 'published' }).count()) === 2,
      { timeoutMs: 120_000, what: 'both targets to show as published' },
    );
    expect(await page.getByRole('link', { name: /View on Sandbox/ }).count()).toBe(2);
    for (const username of ['alice', 'bob'])
      expect(await sandboxFeed(herald, username)).toContain('Launch day!');

    await page.goto(`${base}/calendar`);
    const event = page.locator('.cal-event').filter({ hasText: 'Launch day!' }).first();
    await expect.poll(() => event.getAttribute('title')).toMatch(/^published/);
    await page.goto(`${base}/sandbox/@alice`);
    await expect.poll(() => page.getByText('Launch day!').count()).toBeGreaterThan(0);
  }, 150_000);

  it('invites a viewer who sees everything and can change nothing', async () => {
    await page.goto(`${base}/settings/members`);
    await page.getByLabel('Email').fill(VIEWER.email);
    await page.getByLabel('Name', { exact: true }).fill(VIEWER.name);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Invite member' }).click();
    await expect.poll(() => page.getByRole('cell', { name: VIEWER.email }).isVisible()).toBe(true);
    // Nobody types the viewer's password: they choose it through the one-time link.
    const link = await page.getByLabel('One-time link').inputValue();
    expect(link).toContain('/set-password/');

    const viewer = await context.browser()!.newContext({ viewport: DESKTOP, timezoneId: 'Europe/Paris' });
    const view = await viewer.newPage();
    await view.goto(link);
    await expect.poll(() => view.getByRole('heading', { name: 'Welcome to Herald' }).isVisible()).toBe(true);
    await view.getByLabel('New password').fill(VIEWER.password);
    await view.getByRole('button', { name: 'Save password and sign in' }).click();
    await view.waitForURL(`${base}/`);
    await view.goto(`${base}/posts/${postId}`);
    await expect.poll(() => view.getByText('Launch day!').first().isVisible()).toBe(true);
    for (const name of ['Edit', 'Delete', 'Cancel', 'Retry failed', 'Publish now']) {
      expect(await view.getByRole('button', { name }).count(), name).toBe(0);
    }
    expect(await view.getByRole('link', { name: 'New post' }).count()).toBe(0);
    await view.goto(`${base}/channels`);
    await expect.poll(() => view.getByRole('heading', { name: /alice/ }).isVisible()).toBe(true);
    expect(await view.getByRole('button', { name: /Connect|Reconnect|Disconnect/ }).count()).toBe(0);
    await view.goto(`${base}/compose`);
    await expect
      .poll(() => view.getByText(/you can see everything but not write posts/).isVisible())
      .toBe(true);
    // The API refuses anyway: a viewer's write is forbidden even when sent by hand.
    const status = await view.evaluate(async (workspaceUrl) => {
      const me = (await (await fetch('/api/me')).json()) as {
        csrfToken: string;
        workspaces: { id: string }[];
      };
      const res = await fetch(`${workspaceUrl}/${me.workspaces[0]!.id}/posts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ content: 'sneaky', channelIds: [] }),
      });
      return res.status;
    }, '/api/workspaces');
    expect(status).toBe(403);
    await screenshot(view, 'viewer-post-desktop');
    await viewer.close();
  });

  it('shows a target left unknown by an injected sandbox fault, and resolving it with a retry asks the platform first', async () => {
    // Every call to bob's account fails with 503 until the knob is cleared: the publish calls and the
    // look-ups after them all go unanswered, so Herald cannot tell whether the post went out.
    await setKnobs(herald, 'bob', { failNext: { status: 503, count: 1000 } });
    await page.goto(`${base}/compose`);
    for (const name of ['alice', 'bob']) await page.getByRole('checkbox', { name: new RegExp(name) }).check();
    await page.getByLabel('Text', { exact: true }).fill(FAULT_TEXT);
    await page.getByRole('radio', { name: 'Publish now' }).check();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await page.waitForURL(/\/posts\/[0-9a-f-]{36}$/);

    const bob = page.locator('[data-testid^="target-"]').filter({ hasText: 'bob' });
    await waitFor(async () => (await bob.getByText('unknown', { exact: true }).count()) > 0, {
      timeoutMs: 60_000,
      what: "bob's target to end unknown",
    });
    expect(await bob.textContent()).toContain('failure injected by the failNext knob');
    expect(await bob.textContent()).toContain('cannot say whether it went out');
    await bob.getByText(/Attempt log/).click();
    expect(await bob.getByRole('row').count()).toBeGreaterThan(2);
    await screenshot(page, 'post-unknown-target-desktop');

    await setKnobs(herald, 'bob', { failNext: null });
    await bob.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'It is not there: retry' }).click();
    // The status badge itself (the card's help text also says "published").
    await waitFor(async () => (await bob.getByText('published', { exact: true }).count()) > 0, {
      timeoutMs: 60_000,
      what: "bob's target published after the retry",
    });
    expect(await sandboxFeed(herald, 'bob')).toContain('Second post');
  }, 120_000);

  it('reschedules a post by dragging it on the week view', async () => {
    // A post two days ahead at 10:00 Paris time, made through the API as the signed-in admin.
    const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(
      new Date(Date.now() + 2 * 86_400_000),
    );
    const created = await page.evaluate(
      async ({ day }) => {
        const me = (await (await fetch('/api/me')).json()) as {
          csrfToken: string;
          workspaces: { id: string }[];
        };
        const ws = me.workspaces[0]!.id;
        const channels = (await (await fetch(`/api/workspaces/${ws}/channels`)).json()) as {
          items: { id: string; name: string }[];
        };
        const res = await fetch(`/api/workspaces/${ws}/posts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify({
            content: 'Weekly digest: what shipped this week',
            channelIds: channels.items.filter((c) => c.name === 'alice').map((c) => c.id),
            schedule: { localTime: `${day}T10:00`, timezone: 'Europe/Paris' },
          }),
        });
        return { status: res.status, body: (await res.json()) as { id: string; scheduledAt: string } };
      },
      { day },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    await page.goto(`${base}/calendar?date=${day}&view=week`);
    const event = page.locator('.cal-event').filter({ hasText: 'Weekly digest' });
    await event.waitFor();
    await event.scrollIntoViewIfNeeded();
    const from = (await event.boundingBox())!;
    const noon = page.locator('[data-time="12:00:00"]').first();
    const to = (await noon.boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + 4);
    await page.mouse.down();
    await page.mouse.move(from.x + from.width / 2, from.y + 40, { steps: 5 });
    await page.mouse.move(from.x + from.width / 2, to.y + 4, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => page.getByText(/Rescheduled to/).isVisible()).toBe(true);

    const after = await page.evaluate(async (id) => {
      const me = (await (await fetch('/api/me')).json()) as { workspaces: { id: string }[] };
      return (
        (await (await fetch(`/api/workspaces/${me.workspaces[0]!.id}/posts/${id}`)).json()) as {
          scheduledAt: string;
        }
      ).scheduledAt;
    }, created.body.id);
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(after)),
    ).toBe('12:00');
    await screenshot(page, 'calendar-week-desktop');
  });

  it('connects a Bluesky account with an app password through the sign-in form', async () => {
    const pds = await startBlueskyServer();
    try {
      pds.addAccount('dana.test', 'dana-app-pass', 'Dana Bluesky');
      await page.goto(`${base}/channels`);
      await page.getByRole('button', { name: 'Connect Bluesky' }).click();
      const dialog = page.getByRole('dialog', { name: 'Connect Bluesky' });
      await dialog.getByLabel('Server (optional)').fill(pds.url);
      await dialog.getByLabel('Handle or email').fill('dana.test');
      await dialog.getByLabel('App password').fill('not-the-password');
      await dialog.getByRole('button', { name: 'Connect' }).click();
      await expect.poll(() => dialog.getByText(/Bluesky refused the sign-in/).isVisible()).toBe(true);
      await screenshot(page, 'connect-bluesky-desktop');
      const violations = await seriousAxeViolations(page);
      expect(describeViolations('connect dialog', violations)).toBe('');

      await dialog.getByLabel('App password').fill('dana-app-pass');
      await dialog.getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL(/\/channels\?connected=/);
      await expect.poll(() => page.getByText('Connected.').isVisible()).toBe(true);
      await expect.poll(() => page.getByRole('heading', { name: /dana/i }).count()).toBe(1);
      await expect.poll(() => dialog.count()).toBe(0);
    } finally {
      await pds.close();
    }
  });

  it('passes axe on every main page, and photographs each at desktop and phone widths', async () => {
    const pages = [
      ['dashboard', '/'],
      ['calendar', '/calendar'],
      ['composer', '/compose'],
      ['posts', '/posts'],
      ['post-detail', `/posts/${postId}`],
      ['channels', '/channels'],
      ['queue', '/queue'],
      ['settings', '/settings/members'],
      ['tokens', '/settings/tokens'],
    ] as const;
    const report: string[] = [];
    for (const [viewportName, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const [name, url] of pages) {
        await page.goto(`${base}${url}`);
        await page.waitForLoadState('networkidle').catch(() => {});
        await page
          .locator('.loading')
          .first()
          .waitFor({ state: 'detached', timeout: 10_000 })
          .catch(() => {});
        await screenshot(page, `${name}-${viewportName}`);
        const violations = await seriousAxeViolations(page);
        if (violations.length) report.push(describeViolations(`${name} (${viewportName})`, violations));
      }
    }
    // The signed-out pages too.
    await page.setViewportSize(DESKTOP);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await screenshot(page, 'login-desktop');
    const login = await seriousAxeViolations(page);
    if (login.length) report.push(describeViolations('login', login));
    // Kept next to the screenshots for a reviewer; empty when every page passes.
    writeFileSync(path.join(SCREENSHOT_DIR, 'axe-report.txt'), report.join('\n\n'));
    expect(report.join('\n\n')).toBe('');
    expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 180_000);
});
