ALTER TABLE "attempts" ADD COLUMN "response_headers" text;--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "part" integer;