ALTER TABLE `attempts` ADD `response_headers` text;--> statement-breakpoint
ALTER TABLE `attempts` ADD `part` integer;