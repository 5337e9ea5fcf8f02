import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySchema } from '../../src/db/verify-schema.ts';
import { cloneDatabase } from '../support/harness.ts';

describe('herald db verify: the live schema against the migrations', () => {
  let db: Awaited<ReturnType<typeof cloneDatabase>>;
  beforeAll(async () => {
    db = await cloneDatabase();
  });
  afterAll(async () => {
    await db?.handle.close();
    await db?.drop();
  });

  it('finds no difference on a freshly migrated database', async () => {
    expect(await verifySchema(db.handle, { url: db.url })).toEqual([]);
  });

  it('names a dropped index, an edited trigger function, a changed trigger and an extra column', async () => {
    await db.handle.db.execute(sql`drop index posts_workspace_scheduled_idx`);
    await db.handle.db.execute(sql`alter table posts add column notes text`);
    await db.handle.db.execute(
      sql`create or replace function herald_touch_updated_at() returns trigger language plpgsql as $$ begin return new; end $$`,
    );
    await db.handle.db.execute(sql`drop trigger post_targets_rollup_delete on post_targets`);
    await db.handle.db.execute(
      sql`create trigger post_targets_rollup_delete after delete on post_targets for each row execute function herald_touch_updated_at()`,
    );
    const differences = await verifySchema(db.handle, { url: db.url });
    const summary = differences.map((d) => `${d.change} ${d.kind} ${d.name}`);
    expect(summary).toContain('missing index public.posts_workspace_scheduled_idx');
    expect(summary).toContain('extra column public.posts.notes');
    expect(summary).toContain('changed function public.herald_touch_updated_at()');
    expect(differences.find((d) => d.name === 'public.posts.notes')?.actual).toBe('text');
    expect(summary).toContain('changed trigger public.post_targets.post_targets_rollup_delete');
    expect(differences).toHaveLength(4);
  });
});
