CREATE TABLE "channel_hourly_counts" (
	"channel_id" text NOT NULL,
	"hour" timestamp (3) with time zone NOT NULL,
	"delivered" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "channel_hourly_counts_channel_id_hour_pk" PRIMARY KEY("channel_id","hour")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "last_attempt_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "last_attempt_outcome" text;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "last_attempt_duration_ms" integer;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "last_attempt_status_code" integer;--> statement-breakpoint
ALTER TABLE "channel_hourly_counts" ADD CONSTRAINT "channel_hourly_counts_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;