/**
 * A standalone worker for the kill and two-worker tests, run as
 * `DATABASE_URL=… node --import tsx lib/dispatch/testing/worker-child.ts LEASE_MS [TIMEOUT_MS]`:
 * the real `runWorkerCommand` on the database DATABASE_URL names (the parent's
 * test database: a SQLite file, or a PostgreSQL database on the test cluster),
 * with a short lease so a killed worker's deliveries come back quickly.
 */
import { openDatabase, setDb } from "@/db/client";
import { runWorkerCommand } from "@/lib/dispatch/worker-command";
import { ATTEMPT_TIMEOUT_MS } from "@/lib/dispatch/policy";

const [leaseMs, timeoutMs] = process.argv.slice(2);
void openDatabase().then((db) => {
  setDb(db);
  return runWorkerCommand({
    leaseMs: Number(leaseMs),
    timeoutMs: timeoutMs ? Number(timeoutMs) : Math.min(ATTEMPT_TIMEOUT_MS, Number(leaseMs) / 3),
    pollMs: 200,
  });
});
// No process.exit: like `herald worker`, the process ends when the stopped worker leaves nothing running.
