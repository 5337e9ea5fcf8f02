-- When the current access token was issued: a refresh is due in the last fifth of its lifetime.
ALTER TABLE "connections" ADD COLUMN "token_issued_at" timestamp with time zone;
--> statement-breakpoint
UPDATE "connections" SET "token_issued_at" = coalesce("last_refreshed_at", "updated_at");
--> statement-breakpoint
-- One-time links: a password reset an admin issued, or an invitation to set a first password.
-- Only a sha256 of the token is kept; the link is shown once.
CREATE TABLE "account_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
	"kind" text NOT NULL,
	"token_hash" text NOT NULL UNIQUE,
	"workspace_id" uuid REFERENCES "workspaces"("id") ON DELETE CASCADE,
	"created_by" uuid REFERENCES "users"("id") ON DELETE SET NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "account_tokens_kind_check" CHECK ("kind" in ('password_reset','invitation'))
);
--> statement-breakpoint
CREATE INDEX "account_tokens_user_idx" ON "account_tokens" USING btree ("user_id");
--> statement-breakpoint
-- Instance-wide settings: one row.
CREATE TABLE "instance_settings" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"workspace_creators" text DEFAULT 'admins_and_users' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instance_settings_one_row" CHECK ("id"),
	CONSTRAINT "instance_settings_workspace_creators_check" CHECK ("workspace_creators" in ('instance_admins','admins_and_users','everyone'))
);
--> statement-breakpoint
INSERT INTO "instance_settings" ("id") VALUES (true);
