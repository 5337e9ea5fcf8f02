-- Hand-written: the triggers seed 000 names (denormalised counts, published_at stamping, account
-- usage) plus updated_at upkeep and the post status roll-up.

-- updated_at on every table that has one.
create or replace function herald_touch_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end $$;
--> statement-breakpoint
do $$
declare t text;
begin
  foreach t in array array['workspaces','users','platform_apps','connections','channels','posts','post_targets'] loop
    execute format('create trigger %I before update on %I for each row execute function herald_touch_updated_at()',
                   t || '_touch_updated_at', t);
  end loop;
end $$;
--> statement-breakpoint

-- A target's own timestamps follow its status.
create or replace function herald_stamp_target() returns trigger language plpgsql as $$
begin
  if new.status = 'published' and new.published_at is null then new.published_at := now(); end if;
  if new.status in ('failed', 'missed') and new.failed_at is null then new.failed_at := now(); end if;
  return new;
end $$;
--> statement-breakpoint
create trigger post_targets_stamp before insert or update of status on post_targets
  for each row execute function herald_stamp_target();
--> statement-breakpoint

-- Rolls a post's counts and status up from its targets.
--
-- The post row is locked before counting: two targets of one post finishing in parallel transactions
-- would otherwise each count without the other's change and the later write would lose it. Writers
-- lock targets first and reach the post last (src/features/posts/lock-post.ts), so the order is
-- always targets -> post and this lock never closes a cycle.
create or replace function herald_rollup_post(p_post_id uuid) returns void language plpgsql as $$
declare
  cur text;
  c record;
  next_status text;
begin
  select status into cur from posts where id = p_post_id for update;
  if not found then return; end if;
  select count(*)::int as total,
         count(*) filter (where status = 'published')::int as published,
         count(*) filter (where status in ('failed', 'missed'))::int as failed,
         count(*) filter (where status = 'unknown')::int as unknown,
         count(*) filter (where status = 'cancelled')::int as cancelled,
         count(*) filter (where status = 'draft')::int as draft,
         count(*) filter (where status = 'publishing')::int as publishing,
         count(*) filter (where status in ('scheduled', 'retrying', 'deferred', 'waiting_reauth'))::int as waiting,
         max(published_at) as last_published_at
    into c from post_targets where post_id = p_post_id;
  next_status := case
    when c.total = 0 then cur
    when c.draft = c.total then 'draft'
    when c.cancelled = c.total then 'cancelled'
    when c.publishing > 0 then 'publishing'
    when c.waiting > 0 and (c.published + c.failed + c.unknown) > 0 then 'publishing'
    when c.waiting > 0 then 'scheduled'
    when c.draft > 0 then 'draft'
    when c.published = c.total - c.cancelled then 'published'
    when c.published > 0 then 'partially_published'
    else 'failed'
  end;
  update posts set
    target_count = c.total - c.cancelled,
    published_count = c.published,
    failed_count = c.failed + c.unknown,
    status = next_status,
    published_at = case when next_status in ('published', 'partially_published')
                        then coalesce(c.last_published_at, now()) else null end,
    failed_at = case when next_status in ('failed', 'partially_published')
                     then coalesce(failed_at, now()) else null end
  where id = p_post_id
    and (status, target_count, published_count, failed_count)
        is distinct from (next_status, c.total - c.cancelled, c.published, c.failed + c.unknown);
end $$;
--> statement-breakpoint
create or replace function herald_rollup_changed_rows() returns trigger language plpgsql as $$
declare p uuid;
begin
  if tg_op = 'DELETE' then
    for p in select distinct post_id from old_rows loop perform herald_rollup_post(p); end loop;
  else
    for p in select distinct post_id from new_rows loop perform herald_rollup_post(p); end loop;
  end if;
  return null;
end $$;
--> statement-breakpoint
create trigger post_targets_rollup_insert after insert on post_targets
  referencing new table as new_rows for each statement execute function herald_rollup_changed_rows();
--> statement-breakpoint
create trigger post_targets_rollup_delete after delete on post_targets
  referencing old table as old_rows for each statement execute function herald_rollup_changed_rows();
--> statement-breakpoint
create or replace function herald_rollup_changed_row() returns trigger language plpgsql as $$
begin
  perform herald_rollup_post(new.post_id);
  return null;
end $$;
--> statement-breakpoint
create trigger post_targets_rollup_update after update of status on post_targets
  for each row when (old.status is distinct from new.status) execute function herald_rollup_changed_row();
--> statement-breakpoint

-- Seed 000 "track platform account usage": a publish marks its channel and connection as used.
create or replace function herald_track_usage() returns trigger language plpgsql as $$
begin
  update channels set last_posted_at = new.published_at, posts_count = coalesce(posts_count, 0) + 1
   where id = new.channel_id;
  update connections set last_used_at = new.published_at
   where id = (select connection_id from channels where id = new.channel_id);
  return null;
end $$;
--> statement-breakpoint
create trigger post_targets_track_usage after update of status on post_targets
  for each row when (new.status = 'published' and old.status is distinct from 'published')
  execute function herald_track_usage();
