CREATE TABLE `retention_totals` (
	`id` text PRIMARY KEY NOT NULL,
	`pruned` text NOT NULL,
	`last_run_at` integer
);
