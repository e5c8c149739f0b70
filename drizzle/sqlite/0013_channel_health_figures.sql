CREATE TABLE `channel_hourly_counts` (
	`channel_id` text NOT NULL,
	`hour` integer NOT NULL,
	`delivered` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`channel_id`, `hour`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `channels` ADD `last_attempt_at` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_attempt_outcome` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_attempt_duration_ms` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `last_attempt_status_code` integer;