-- The history tables grow to millions of rows, and PostgreSQL's default waits for 20 % of a table
-- to be dead tuples before vacuuming it: at 10 M deliveries, 2 M rows' worth of status updates and
-- pruned rows whose space nothing reuses meanwhile (issue #18 measured the growth per delivery
-- × 1.35). At 1 % the space a pass or the dispatcher frees is reused within a day's pruning.
ALTER TABLE "deliveries" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);--> statement-breakpoint
ALTER TABLE "attempts" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "delivery_events" SET (autovacuum_vacuum_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "events" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02);--> statement-breakpoint
ALTER TABLE "inbox_items" SET (autovacuum_vacuum_scale_factor = 0.01);
