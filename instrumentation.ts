/**
 * Runs once per server process. Migrations are applied here (so the server
 * never answers from an old schema) and the in-process dispatcher starts here
 * when HERALD_WORKER=inline (the default).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { db } = await import("@/db/client");
  db(); // opens the database and applies pending migrations
}
