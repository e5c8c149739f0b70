ALTER TABLE `channels` ADD `send_not_before` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `next_send_at` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `pace_ms` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `throttled_since` integer;