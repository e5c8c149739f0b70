CREATE TABLE "flood_counts" (
	"channel_id" text NOT NULL,
	"source" text NOT NULL,
	"window_start" timestamp (3) with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "flood_counts_channel_id_source_window_start_pk" PRIMARY KEY("channel_id","source","window_start")
);
--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "flood_limit" integer;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "flood_minutes" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "flood_minutes" integer;--> statement-breakpoint
ALTER TABLE "flood_counts" ADD CONSTRAINT "flood_counts_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;