/**
 * Runs once per server process. Migrations are applied here (so the server
 * never answers from an old schema) and the in-process dispatcher starts here
 * when HERALD_WORKER=inline (the default). Node-only modules are imported
 * inside the nodejs branch so the edge bundle never sees them.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { currentDb, openDatabase, setDb } = await import("@/db/client");
  const { env } = await import("@/lib/env");
  // herald start opened (and migrated) it already; under next dev, open and migrate here.
  if (!currentDb()) setDb(await openDatabase());
  if (env().HERALD_WORKER === "inline") {
    const { startInlineDispatcher } = await import("@/lib/dispatch/inline");
    startInlineDispatcher();
  }
}
