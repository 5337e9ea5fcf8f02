-- Analytics (seeds 000 `post_analytics`, 001 per-publication metrics, 002 check-back schedules,
-- 003 `channel_daily_stats`): tracked posts with their check-back schedule, metric snapshots,
-- incrementally maintained roll-ups, channel daily stats and each workspace's analytics settings.

CREATE TABLE "analytics_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
	"check_schedule_minutes" integer[] DEFAULT '{60,360,1440,4320,10080,43200}'::integer[] NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"week_starts_on" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_settings_week_check" CHECK ("week_starts_on" between 1 and 7),
	CONSTRAINT "analytics_settings_schedule_check" CHECK (cardinality("check_schedule_minutes") between 1 and 20)
);
--> statement-breakpoint
CREATE TABLE "tracked_posts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
	"channel_id" uuid NOT NULL REFERENCES "channels"("id") ON DELETE CASCADE,
	"target_id" uuid REFERENCES "post_targets"("id") ON DELETE CASCADE,
	"source" text NOT NULL,
	"remote_id" text NOT NULL,
	"remote_url" text,
	"published_at" timestamp with time zone NOT NULL,
	"check_schedule_minutes" integer[] NOT NULL,
	"check_due_at" timestamp with time zone[] NOT NULL,
	"next_check_index" integer DEFAULT 0 NOT NULL,
	"next_check_at" timestamp with time zone,
	"checks_completed" integer DEFAULT 0 NOT NULL,
	"tracking_started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tracking_complete" boolean DEFAULT false NOT NULL,
	"stop_reason" text,
	"last_checked_at" timestamp with time zone,
	"last_error" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"job_id" uuid,
	"latest_impressions" bigint,
	"latest_engagement" bigint,
	"latest_engagement_rate" double precision,
	"latest_rate_denominator" text,
	"created_by" uuid REFERENCES "users"("id") ON DELETE SET NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracked_posts_source_check" CHECK ("source" in ('published','external')),
	CONSTRAINT "tracked_posts_stop_check" CHECK ("stop_reason" is null or "stop_reason" in ('schedule_complete','remote_deleted','untracked','channel_removed')),
	CONSTRAINT "tracked_posts_denominator_check" CHECK ("latest_rate_denominator" is null or "latest_rate_denominator" in ('impressions','followers'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "tracked_posts_remote_idx" ON "tracked_posts" USING btree ("channel_id","remote_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "tracked_posts_target_idx" ON "tracked_posts" USING btree ("target_id") WHERE "target_id" is not null;
--> statement-breakpoint
CREATE INDEX "tracked_posts_workspace_published_idx" ON "tracked_posts" USING btree ("workspace_id","published_at");
--> statement-breakpoint
CREATE INDEX "tracked_posts_next_check_idx" ON "tracked_posts" USING btree ("next_check_at") WHERE "tracking_complete" = false;
--> statement-breakpoint
CREATE TRIGGER "tracked_posts_touch_updated_at" BEFORE UPDATE ON "tracked_posts" FOR EACH ROW EXECUTE FUNCTION herald_touch_updated_at();
--> statement-breakpoint
CREATE TABLE "metric_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tracked_post_id" uuid NOT NULL REFERENCES "tracked_posts"("id") ON DELETE CASCADE,
	"workspace_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"check_index" integer,
	"impressions" bigint,
	"reach" bigint,
	"likes" bigint,
	"comments" bigint,
	"shares" bigint,
	"saves" bigint,
	"clicks" bigint,
	"watch_seconds" bigint,
	"followers" bigint,
	"raw" jsonb,
	CONSTRAINT "metric_snapshots_kind_check" CHECK ("kind" in ('scheduled','manual'))
);
--> statement-breakpoint
CREATE INDEX "metric_snapshots_post_idx" ON "metric_snapshots" USING btree ("tracked_post_id","taken_at");
--> statement-breakpoint
CREATE TABLE "metric_rollups" (
	"scope" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE,
	"granularity" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"label" text NOT NULL,
	"posts" integer DEFAULT 0 NOT NULL,
	"snapshots" integer DEFAULT 0 NOT NULL,
	"impressions" bigint DEFAULT 0 NOT NULL,
	"reach" bigint DEFAULT 0 NOT NULL,
	"likes" bigint DEFAULT 0 NOT NULL,
	"comments" bigint DEFAULT 0 NOT NULL,
	"shares" bigint DEFAULT 0 NOT NULL,
	"saves" bigint DEFAULT 0 NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"engagement_by_impressions" bigint DEFAULT 0 NOT NULL,
	"impressions_denominator" bigint DEFAULT 0 NOT NULL,
	"engagement_by_followers" bigint DEFAULT 0 NOT NULL,
	"followers" bigint,
	CONSTRAINT "metric_rollups_pk" PRIMARY KEY("scope_id","granularity","period_start"),
	CONSTRAINT "metric_rollups_scope_check" CHECK ("scope" in ('channel','workspace')),
	CONSTRAINT "metric_rollups_granularity_check" CHECK ("granularity" in ('hour','day','week','month'))
);
--> statement-breakpoint
CREATE INDEX "metric_rollups_workspace_idx" ON "metric_rollups" USING btree ("workspace_id","scope","granularity","period_start");
--> statement-breakpoint
CREATE TABLE "channel_daily_stats" (
	"channel_id" uuid NOT NULL REFERENCES "channels"("id") ON DELETE CASCADE,
	"day" date NOT NULL,
	"workspace_id" uuid NOT NULL,
	"followers" bigint,
	"following" bigint,
	"posts" bigint,
	"views" bigint,
	"raw" jsonb,
	"taken_at" timestamp with time zone NOT NULL,
	CONSTRAINT "channel_daily_stats_pk" PRIMARY KEY("channel_id","day")
);
--> statement-breakpoint
-- Seed 002: the tracked posts whose next check is due.
CREATE VIEW "posts_pending_checkback" AS
	SELECT * FROM "tracked_posts"
	WHERE "tracking_complete" = false AND "next_check_at" IS NOT NULL AND "next_check_at" <= now();
--> statement-breakpoint
-- Seed 002: mark the current check done at p_at and move to the next one still ahead. Checks whose
-- time passed while this one waited (a rate-limit deferral, a worker outage) are passed over rather
-- than taken back to back. After the last one the tracking is complete. Returns the next check's time.
CREATE FUNCTION record_check_completion(p_tracked_post_id uuid, p_at timestamptz, p_took_snapshot boolean)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
	t tracked_posts%ROWTYPE;
	nxt integer;
BEGIN
	SELECT * INTO t FROM tracked_posts WHERE id = p_tracked_post_id FOR UPDATE;
	IF NOT FOUND OR t.tracking_complete THEN RETURN NULL; END IF;
	nxt := t.next_check_index + 1;
	WHILE nxt < cardinality(t.check_due_at) AND t.check_due_at[nxt + 1] <= p_at LOOP
		nxt := nxt + 1;
	END LOOP;
	IF nxt >= cardinality(t.check_due_at) THEN
		UPDATE tracked_posts SET next_check_index = nxt, next_check_at = NULL, tracking_complete = true,
			stop_reason = 'schedule_complete', job_id = NULL, failures = 0, last_checked_at = p_at,
			checks_completed = checks_completed + (CASE WHEN p_took_snapshot THEN 1 ELSE 0 END)
		WHERE id = p_tracked_post_id;
		RETURN NULL;
	END IF;
	UPDATE tracked_posts SET next_check_index = nxt, next_check_at = t.check_due_at[nxt + 1], failures = 0,
		last_checked_at = p_at, checks_completed = checks_completed + (CASE WHEN p_took_snapshot THEN 1 ELSE 0 END)
	WHERE id = p_tracked_post_id;
	RETURN t.check_due_at[nxt + 1];
END $$;
