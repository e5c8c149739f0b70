/**
 * `tsx test/run-parallel.ts SCRIPT SCRIPT …`: runs npm scripts side by side — the
 * unit and integration suites on both engines (`npm run test:unit:engines`). Much
 * of each suite waits (for a receiver, a dispatcher, PostgreSQL), so on two cores
 * the two together take little more than the longer one alone.
 *
 * The first script's output streams as it comes; every other script's goes to
 * test-results/SCRIPT.log and is printed once the first is done, so no two
 * reports interleave. Exits non-zero when any script failed, after all have ended.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const scripts = process.argv.slice(2);
if (!scripts.length) {
  console.error("usage: tsx test/run-parallel.ts SCRIPT [SCRIPT …]");
  process.exit(2);
}
const logDir = path.resolve("test-results");
fs.mkdirSync(logDir, { recursive: true });
const started = Date.now();

const runs = scripts.map((script, i) => {
  const logFile = path.join(logDir, `${script.replace(/[^\w.-]/g, "_")}.log`);
  const log = i === 0 ? undefined : fs.openSync(logFile, "w");
  const child = spawn("npm", ["run", script], {
    stdio: ["ignore", log ?? "inherit", log ?? "inherit"],
  });
  if (log !== undefined) fs.closeSync(log);
  const done = new Promise<{ script: string; logFile?: string; code: number; seconds: number }>((resolve) =>
    child.on("exit", (code, signal) =>
      resolve({ script, logFile: log === undefined ? undefined : logFile, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }),
    ),
  );
  return { child, done };
});

// Interrupted (Ctrl-C, CI's timeout): every script is told, and cleans up as it would alone (clusters stopped).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => runs.forEach((r) => r.child.kill(signal)));

async function report() {
  const results = [];
  for (const run of runs) {
    const result = await run.done;
    if (result.logFile) {
      console.log(`\n== npm run ${result.script} (ran beside the above; also in ${path.relative(process.cwd(), result.logFile)})\n`);
      process.stdout.write(fs.readFileSync(result.logFile));
    }
    results.push(result);
  }
  console.log("");
  for (const r of results) console.log(`npm run ${r.script}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} after ${r.seconds.toFixed(0)} s`);
  process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
}

void report();
