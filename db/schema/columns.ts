import { integer, text } from "drizzle-orm/sqlite-core";

/** Times are stored as integer milliseconds since the epoch (UTC). */
export const timestamp = (name: string) => integer(name, { mode: "timestamp_ms" });
export const createdAt = () =>
  timestamp("created_at")
    .notNull()
    .$defaultFn(() => new Date());
export const id = () => text("id").primaryKey();
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
