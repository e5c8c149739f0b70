/**
 * A standalone worker for the kill and two-worker tests, run as
 * `node --import tsx lib/dispatch/testing/worker-child.ts DB_PATH LEASE_MS`: the real
 * `runWorkerCommand` on the given database, with a short lease so a killed
 * worker's deliveries come back quickly.
 */
import { openDb, setDb } from "@/db/client";
import { runWorkerCommand } from "@/lib/dispatch/worker-command";

const [dbPath, leaseMs] = process.argv.slice(2);
setDb(openDb(dbPath));
void runWorkerCommand({ leaseMs: Number(leaseMs), timeoutMs: Math.min(15_000, Number(leaseMs) / 3), pollMs: 200 }).then(() => process.exit(0));
