CREATE TABLE `silences` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`matchers` text NOT NULL,
	`reason` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`expired_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `silences_org_end_idx` ON `silences` (`org_id`,`ends_at`);--> statement-breakpoint
ALTER TABLE `events` ADD `silenced_by` text;--> statement-breakpoint
CREATE INDEX `events_silenced_idx` ON `events` (`silenced_by`) WHERE silenced_by IS NOT NULL;