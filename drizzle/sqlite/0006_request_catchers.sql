CREATE TABLE `catchers` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`token` text NOT NULL,
	`channel_id` text,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `catchers_token_unique` ON `catchers` (`token`);--> statement-breakpoint
CREATE INDEX `catchers_org_idx` ON `catchers` (`org_id`);--> statement-breakpoint
CREATE TABLE `caught_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`catcher_id` text NOT NULL,
	`method` text NOT NULL,
	`headers` text NOT NULL,
	`body` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`catcher_id`) REFERENCES `catchers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `caught_requests_catcher_idx` ON `caught_requests` (`catcher_id`,`received_at`);