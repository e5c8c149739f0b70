CREATE TABLE "silences" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"matchers" jsonb NOT NULL,
	"reason" text NOT NULL,
	"starts_at" timestamp (3) with time zone NOT NULL,
	"ends_at" timestamp (3) with time zone NOT NULL,
	"created_by" text NOT NULL,
	"expired_by" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "silenced_by" text;--> statement-breakpoint
ALTER TABLE "silences" ADD CONSTRAINT "silences_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "silences_org_end_idx" ON "silences" USING btree ("org_id","ends_at");--> statement-breakpoint
CREATE INDEX "events_silenced_idx" ON "events" USING btree ("silenced_by") WHERE silenced_by IS NOT NULL;