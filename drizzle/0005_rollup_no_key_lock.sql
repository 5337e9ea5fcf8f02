-- Hand-written: the post roll-up locks its post with FOR NO KEY UPDATE instead of FOR UPDATE.
--
-- The deadlock this removes (seen under load on PostgreSQL): a transaction that updates a target row
-- twice (a settle writes its attempt count, then enqueues the next run with a new status) makes the
-- foreign key post_targets.post_id fire on the second update, because the row it updates was written
-- by this same transaction; the check takes FOR KEY SHARE on the post. Two such transactions on
-- targets of one post each held KEY SHARE on the post and then each asked for FOR UPDATE in the
-- roll-up, which conflicts with the other's KEY SHARE: each waited for the other. NO KEY UPDATE still
-- serialises roll-ups of one post (it conflicts with itself) and is the lock the roll-up's own
-- UPDATE of non-key columns takes anyway, but it does not conflict with KEY SHARE.
create or replace function herald_rollup_post(p_post_id uuid) returns void language plpgsql as $$
declare
  cur text;
  c record;
  next_status text;
begin
  select status into cur from posts where id = p_post_id for no key update;
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
