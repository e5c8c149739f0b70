CREATE TABLE `flood_counts` (
	`channel_id` text NOT NULL,
	`source` text NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`channel_id`, `source`, `window_start`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `channels` ADD `flood_limit` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `flood_minutes` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `flood_minutes` integer;