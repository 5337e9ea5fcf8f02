-- Hand-written: what the dashboard and the post lists need to stay fast with millions of rows.
--
-- Status counts. The dashboard counts posts and targets by status; counting the rows themselves costs
-- a scan of every post and target of the workspace (a million posts: hundreds of milliseconds). The
-- triggers below keep the counts as they change instead, as append-only delta rows (+1 for the new
-- status, -1 for the old): a publish adds rows and never updates a shared counter, so workers
-- finishing targets of one workspace at once never wait on each other's counter row. Readers sum the
-- rows of one workspace; `herald_compact_status_counts` folds them into one row per status now and
-- then (the stats use-case calls it when a workspace has many).
create table post_status_counts (
  workspace_id uuid not null,
  status text not null,
  n bigint not null
);
--> statement-breakpoint
create index post_status_counts_workspace_idx on post_status_counts (workspace_id);
--> statement-breakpoint
create table target_status_counts (
  workspace_id uuid not null,
  platform text not null,
  status text not null,
  n bigint not null
);
--> statement-breakpoint
create index target_status_counts_workspace_idx on target_status_counts (workspace_id);
--> statement-breakpoint

-- Posts: one row per inserted or deleted post, two per status change.
create or replace function herald_count_post_status() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    insert into post_status_counts values (old.workspace_id, old.status, -1);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    insert into post_status_counts values (new.workspace_id, new.status, 1);
  end if;
  return null;
end $$;
--> statement-breakpoint
create trigger posts_count_insert after insert on posts
  for each row execute function herald_count_post_status();
--> statement-breakpoint
create trigger posts_count_delete after delete on posts
  for each row execute function herald_count_post_status();
--> statement-breakpoint
create trigger posts_count_update after update of status on posts
  for each row when (old.status is distinct from new.status) execute function herald_count_post_status();
--> statement-breakpoint

-- Targets: inserts and deletes counted per statement (a post's targets are inserted together),
-- status changes per row.
create or replace function herald_count_inserted_targets() returns trigger language plpgsql as $$
begin
  insert into target_status_counts
  select workspace_id, platform, status, count(*) from new_rows group by 1, 2, 3;
  return null;
end $$;
--> statement-breakpoint
create or replace function herald_count_deleted_targets() returns trigger language plpgsql as $$
begin
  insert into target_status_counts
  select workspace_id, platform, status, -count(*) from old_rows group by 1, 2, 3;
  return null;
end $$;
--> statement-breakpoint
create or replace function herald_count_target_status() returns trigger language plpgsql as $$
begin
  insert into target_status_counts values
    (old.workspace_id, old.platform, old.status, -1),
    (new.workspace_id, new.platform, new.status, 1);
  return null;
end $$;
--> statement-breakpoint
create trigger post_targets_count_insert after insert on post_targets
  referencing new table as new_rows for each statement execute function herald_count_inserted_targets();
--> statement-breakpoint
create trigger post_targets_count_delete after delete on post_targets
  referencing old table as old_rows for each statement execute function herald_count_deleted_targets();
--> statement-breakpoint
create trigger post_targets_count_update after update of status on post_targets
  for each row when (old.status is distinct from new.status) execute function herald_count_target_status();
--> statement-breakpoint

-- Folds a workspace's delta rows into one row per status. Skips (returns false) when another session
-- is compacting the same workspace: two compactions deleting the same rows in different orders could
-- deadlock, and one is enough. Concurrent writers are never blocked: they only insert new rows.
create or replace function herald_compact_status_counts(p_workspace_id uuid) returns boolean
language plpgsql as $$
begin
  if not pg_try_advisory_xact_lock(4242012, hashtext(p_workspace_id::text)) then
    return false;
  end if;
  with gone as (
    delete from post_status_counts where workspace_id = p_workspace_id returning status, n
  )
  insert into post_status_counts
  select p_workspace_id, status, sum(n) from gone group by status having sum(n) <> 0;
  with gone as (
    delete from target_status_counts where workspace_id = p_workspace_id returning platform, status, n
  )
  insert into target_status_counts
  select p_workspace_id, platform, status, sum(n) from gone group by platform, status having sum(n) <> 0;
  return true;
end $$;
--> statement-breakpoint

-- Recounts everything from the rows themselves: for this migration, and after a bulk load that ran
-- with triggers off (`session_replication_role = replica`).
create or replace function herald_recount_status_counts() returns void language plpgsql as $$
begin
  lock table post_status_counts, target_status_counts in exclusive mode;
  delete from post_status_counts;
  delete from target_status_counts;
  insert into post_status_counts select workspace_id, status, count(*) from posts group by 1, 2;
  insert into target_status_counts
  select workspace_id, platform, status, count(*) from post_targets group by 1, 2, 3;
end $$;
--> statement-breakpoint
select herald_recount_status_counts();
--> statement-breakpoint

-- Post lists filtered by status come out newest first: the index gives that order directly.
drop index posts_workspace_status_idx;
--> statement-breakpoint
create index posts_workspace_status_idx on posts (workspace_id, status, created_at, id);
--> statement-breakpoint
-- The calendar and the posts list's date filter select on when a post happens (scheduled, else
-- published, else created).
create index posts_workspace_when_idx on posts
  (workspace_id, (coalesce(scheduled_at, published_at, created_at)));
