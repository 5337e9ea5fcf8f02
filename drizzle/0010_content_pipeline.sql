CREATE TABLE "sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"schedule_minutes" integer DEFAULT 60 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"auto_approve_score" integer,
	"draft_settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fetch_state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"next_run_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sources_kind_check" CHECK ("kind" in ('reddit','rss','sandbox')),
	CONSTRAINT "sources_status_check" CHECK ("status" in ('active','paused','failing'))
);
--> statement-breakpoint
CREATE INDEX "sources_workspace_idx" ON "sources" USING btree ("workspace_id","created_at");
--> statement-breakpoint
CREATE INDEX "sources_due_idx" ON "sources" USING btree ("next_run_at") WHERE "status" <> 'paused';
--> statement-breakpoint
CREATE TABLE "source_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"source_id" uuid NOT NULL REFERENCES "sources"("id") ON DELETE cascade,
	"external_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"duplicate_of" uuid REFERENCES "source_items"("id") ON DELETE set null,
	"title" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"url" text,
	"author" text,
	"score" integer,
	"comments_count" integer,
	"context" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_created_at" timestamp with time zone,
	"stage" text DEFAULT 'collected' NOT NULL,
	"ai_output" jsonb,
	"ai_reply" text,
	"error" text,
	"budget_resets_at" timestamp with time zone,
	"post_id" uuid REFERENCES "posts"("id") ON DELETE set null,
	"gone_at_source_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_items_stage_check" CHECK ("stage" in ('collected','enriched','drafted','approved','scheduled','published','rejected','failed','budget_exhausted','takedown_pending','removed','duplicate'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "source_items_external_idx" ON "source_items" USING btree ("source_id","external_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "source_items_hash_idx" ON "source_items" USING btree ("workspace_id","content_hash") WHERE "duplicate_of" IS NULL;
--> statement-breakpoint
CREATE INDEX "source_items_stage_idx" ON "source_items" USING btree ("workspace_id","stage","created_at");
--> statement-breakpoint
CREATE INDEX "source_items_post_idx" ON "source_items" USING btree ("post_id");
--> statement-breakpoint
CREATE TABLE "processing_logs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"source_id" uuid REFERENCES "sources"("id") ON DELETE cascade,
	"item_id" uuid REFERENCES "source_items"("id") ON DELETE cascade,
	"step" text NOT NULL,
	"outcome" text NOT NULL,
	"duration_ms" integer,
	"error" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "processing_logs_item_idx" ON "processing_logs" USING btree ("item_id","created_at");
--> statement-breakpoint
CREATE INDEX "processing_logs_source_idx" ON "processing_logs" USING btree ("source_id","created_at");
--> statement-breakpoint
CREATE TABLE "ai_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"provider" text DEFAULT 'basic' NOT NULL,
	"model" text DEFAULT 'basic' NOT NULL,
	"base_url" text,
	"api_key" text,
	"prompts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prices" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"daily_budget_micros" bigint,
	"monthly_budget_micros" bigint,
	"max_output_tokens" integer DEFAULT 800 NOT NULL,
	"max_retries" integer DEFAULT 2 NOT NULL,
	"takedown_grace_minutes" integer DEFAULT 1440 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_settings_provider_check" CHECK ("provider" in ('basic','openai','anthropic'))
);
--> statement-breakpoint
CREATE TABLE "ai_usage" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"item_id" uuid REFERENCES "source_items"("id") ON DELETE set null,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"estimated_micros" bigint DEFAULT 0 NOT NULL,
	"cost_micros" bigint DEFAULT 0 NOT NULL,
	"duration_ms" integer,
	"outcome" text DEFAULT 'reserved' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_usage_outcome_check" CHECK ("outcome" in ('reserved','succeeded','malformed','failed'))
);
--> statement-breakpoint
CREATE INDEX "ai_usage_workspace_idx" ON "ai_usage" USING btree ("workspace_id","created_at");
--> statement-breakpoint
CREATE TABLE "takedown_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE cascade,
	"post_id" uuid NOT NULL REFERENCES "posts"("id") ON DELETE cascade,
	"item_id" uuid REFERENCES "source_items"("id") ON DELETE set null,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_by" uuid REFERENCES "users"("id") ON DELETE set null,
	"remove_after" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "takedown_requests_status_check" CHECK ("status" in ('pending','removing','removed','partially_removed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "takedown_requests_open_idx" ON "takedown_requests" USING btree ("post_id") WHERE "status" in ('pending','removing');
--> statement-breakpoint
CREATE INDEX "takedown_requests_workspace_idx" ON "takedown_requests" USING btree ("workspace_id","created_at");
--> statement-breakpoint
CREATE TABLE "takedown_targets" (
	"takedown_id" uuid NOT NULL REFERENCES "takedown_requests"("id") ON DELETE cascade,
	"target_id" uuid NOT NULL REFERENCES "post_targets"("id") ON DELETE cascade,
	"status" text DEFAULT 'pending' NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"deleted_part_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"finished_at" timestamp with time zone,
	CONSTRAINT "takedown_targets_pk" PRIMARY KEY ("takedown_id","target_id"),
	CONSTRAINT "takedown_targets_status_check" CHECK ("status" in ('pending','removed','manual_removal_required','failed'))
);
