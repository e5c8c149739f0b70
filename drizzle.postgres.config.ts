import { defineConfig } from "drizzle-kit";

/** PostgreSQL migrations, generated from the same schema definition as SQLite's (db/schema/tables.ts). */
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/postgres.ts",
  out: "./drizzle/postgres",
});
