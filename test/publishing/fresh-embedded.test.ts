/**
 * A brand-new embedded database: the job queues are created after the queue started, and the first
 * post scheduled from a command (no worker running yet) must not deadlock PGlite's one connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { createPost } from '../../src/features/posts/create-post.ts';
import { postInput } from '../../src/features/posts/posts.schemas.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import { newUser, newWorkspace } from '../support/factories.ts';
import { TEST_SECRET_KEY } from '../support/harness.ts';
import { scriptedChannel, scriptedPlatform } from '../support/scripted-platform.ts';

describe.skipIf(process.env.TEST_DATABASE_URL)('a fresh embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'herald-fresh-'));
  let deps: Deps | undefined;
  afterAll(async () => {
    await deps?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('schedules the first post before any worker has started', async () => {
    deps = await createDeps(
      loadConfig({ HERALD_DATA_DIR: dataDir, HERALD_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' }),
      {
        platforms: createPlatforms([scriptedPlatform().adapter]),
      },
    );
    const user = await newUser(deps);
    const workspace = await newWorkspace(deps, { owner: user.id });
    const { channelId } = await scriptedChannel(deps, workspace.id);
    const post = await Promise.race([
      createPost(deps, {
        workspaceId: workspace.id,
        authorId: user.id,
        input: postInput.parse({ content: 'first post', channelIds: [channelId], publishNow: true }),
      }),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('createPost hung: PGlite deadlock')), 15_000),
      ),
    ]);
    expect(post.status).toBe('scheduled');
    expect(post.targets[0]!.status).toBe('scheduled');
  });
});
