CREATE TABLE "catchers" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"token" text NOT NULL,
	"channel_id" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "catchers_token_unique" UNIQUE("token")
);
--> statement-breakpoint
CREATE TABLE "caught_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"catcher_id" text NOT NULL,
	"method" text NOT NULL,
	"headers" jsonb NOT NULL,
	"body" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "catchers" ADD CONSTRAINT "catchers_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catchers" ADD CONSTRAINT "catchers_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "caught_requests" ADD CONSTRAINT "caught_requests_catcher_id_catchers_id_fk" FOREIGN KEY ("catcher_id") REFERENCES "public"."catchers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catchers_org_idx" ON "catchers" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "caught_requests_catcher_idx" ON "caught_requests" USING btree ("catcher_id","received_at");