CREATE TABLE "retention_totals" (
	"id" text PRIMARY KEY NOT NULL,
	"pruned" jsonb NOT NULL,
	"last_run_at" timestamp (3) with time zone
);
