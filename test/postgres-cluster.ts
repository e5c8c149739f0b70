import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A throw-away PostgreSQL cluster for tests, benchmarks and CI: initdb into a
 * temporary directory, a free port on 127.0.0.1, no fsync (nothing here must
 * survive a power cut), stopped and removed by `stop()`. Never the system
 * cluster. As root, the server runs as the `postgres` user (initdb refuses root).
 */
export type PostgresCluster = {
  url: (database?: string) => string;
  port: number;
  dir: string;
  /** Stops the server (fast shutdown: clients are cut off) and keeps its data, for `startServer`. */
  stopServer: () => void;
  /** Starts it again on the same port and data. */
  startServer: () => void;
  /** Stops it and removes everything. */
  stop: () => void;
};

function binDir(): string {
  const fromPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (fromPath) return path.dirname(fs.realpathSync(fromPath));
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) return `/usr/lib/postgresql/${v}/bin`;
  throw new Error("PostgreSQL is not installed (initdb not found): apt-get install -y postgresql");
}

export function freePortSync(): number {
  // A synchronous free-port probe: listen on port 0 in a child process and print what it got.
  const out = execFileSync(
    process.execPath,
    ["-e", "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
    { encoding: "utf8" },
  );
  return Number(out.trim());
}

export function startPostgresCluster(): PostgresCluster {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-pg-"));
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync("chown", ["-R", "postgres:postgres", dir]);
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ["runuser", "-u", "postgres", "--", path.join(bin, cmd), ...args] : [path.join(bin, cmd), ...args];
    const r = spawnSync(full[0], full.slice(1), { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const port = freePortSync();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const startServer = () => run("pg_ctl", ["-D", data, "-o", options, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "start"]);
  const stopServer = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
  startServer();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`, port, dir, stop, stopServer, startServer };
}
