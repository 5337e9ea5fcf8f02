ALTER TABLE "platform_apps" ALTER COLUMN "client_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "post_targets" ADD COLUMN "remote_part_ids" text[] DEFAULT '{}'::text[] NOT NULL;