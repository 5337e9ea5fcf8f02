DROP INDEX "media_workspace_idx";--> statement-breakpoint
CREATE INDEX "media_workspace_storage_idx" ON "media" USING btree ("workspace_id","storage_key");--> statement-breakpoint
CREATE INDEX "post_targets_workspace_platform_idx" ON "post_targets" USING btree ("workspace_id","platform","status","published_at");--> statement-breakpoint
CREATE INDEX "posts_workspace_published_idx" ON "posts" USING btree ("workspace_id","published_at") WHERE "posts"."published_at" is not null;--> statement-breakpoint
CREATE INDEX "media_workspace_idx" ON "media" USING btree ("workspace_id","created_at","id");