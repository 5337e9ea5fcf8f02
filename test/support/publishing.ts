/**
 * Helpers for publishing tests: connect sandbox accounts through the real OAuth screens over HTTP,
 * upload media, and wait for the engine.
 */
import { expect } from 'vitest';
import type { TeamMember } from './factories.ts';
import type { TestHerald } from './harness.ts';

export { type ConnectedChannel, connectSandbox } from './sandbox-oauth.ts';

/** A 1×1 PNG. */
export const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export async function uploadImage(
  herald: TestHerald,
  options: { workspaceId: string; member: TeamMember; altText?: string },
): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([tinyPng], { type: 'image/png' }), 'pixel.png');
  if (options.altText) form.set('altText', options.altText);
  const res = await fetch(`${herald.baseUrl}/api/workspaces/${options.workspaceId}/media`, {
    method: 'POST',
    headers: options.member.headers,
    body: form,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function setKnobs(
  herald: { baseUrl: string },
  username: string,
  knobs: Record<string, unknown>,
) {
  const res = await fetch(`${herald.baseUrl}/sandbox/admin/accounts/${username}/knobs`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(knobs),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'a condition'}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type PostJson = {
  id: string;
  status: string;
  targets: {
    id: string;
    channelId: string;
    status: string;
    scheduledAt: string | null;
    remoteId: string | null;
    remoteUrl: string | null;
    remotePartIds: string[];
    attempts: number;
    errorCode: string | null;
    errorMessage: string | null;
    attemptsLog: { outcome: string; errorCode: string | null }[];
  }[];
};

export async function getPostJson(
  herald: TestHerald,
  workspaceId: string,
  member: TeamMember,
  postId: string,
) {
  const res = await herald.app.inject({
    method: 'GET',
    url: `/api/workspaces/${workspaceId}/posts/${postId}`,
    headers: member.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as PostJson;
}

/** Creates a post for one channel, to publish now; returns its id. */
export async function publishNow(
  herald: TestHerald,
  options: {
    workspaceId: string;
    member: TeamMember;
    channelId: string;
    content: string;
    extra?: Record<string, unknown>;
  },
): Promise<string> {
  const res = await herald.app.inject({
    method: 'POST',
    url: `/api/workspaces/${options.workspaceId}/posts`,
    headers: options.member.headers,
    payload: {
      content: options.content,
      channelIds: [options.channelId],
      publishNow: true,
      ...options.extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** Waits until the post's first target reaches one of `statuses`; returns the post and that target. */
export function waitForTarget(
  herald: TestHerald,
  options: { workspaceId: string; member: TeamMember; postId: string; statuses: string[] },
) {
  return waitFor(
    async () => {
      const post = await getPostJson(herald, options.workspaceId, options.member, options.postId);
      const target = post.targets[0]!;
      return options.statuses.includes(target.status) ? { post, target } : undefined;
    },
    { what: `the target to become ${options.statuses.join('/')}` },
  );
}

/** Waits until the post reaches one of `statuses`. */
export function waitForPost(
  herald: TestHerald,
  options: {
    workspaceId: string;
    member: TeamMember;
    postId: string;
    statuses: string[];
    timeoutMs?: number;
  },
) {
  return waitFor(
    async () => {
      const post = await getPostJson(herald, options.workspaceId, options.member, options.postId);
      return options.statuses.includes(post.status) ? post : undefined;
    },
    {
      timeoutMs: options.timeoutMs ?? 30_000,
      what: `post ${options.postId} to become ${options.statuses.join('/')}`,
    },
  );
}

/** Sandbox posts of an account, read through the sandbox's own API as the connected account would. */
export async function sandboxFeed(herald: { baseUrl: string }, username: string): Promise<string> {
  const res = await fetch(`${herald.baseUrl}/sandbox/@${username}`);
  expect(res.status).toBe(200);
  return res.text();
}
