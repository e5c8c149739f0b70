DROP INDEX `deliveries_due_idx`;--> statement-breakpoint
DROP INDEX `deliveries_channel_idx`;--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`next_attempt_at`) WHERE status IN ('queued', 'sending');--> statement-breakpoint
CREATE INDEX `deliveries_channel_idx` ON `deliveries` (`channel_id`,`created_at`);