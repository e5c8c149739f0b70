import { defineConfig } from "drizzle-kit";

/** SQLite migrations (`npm run db:generate` makes both dialects'; PostgreSQL's config is drizzle.postgres.config.ts). */
export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/sqlite.ts",
  out: "./drizzle/sqlite",
});
