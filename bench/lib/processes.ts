import { spawn, fork, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Child processes of the benchmark. Every child is started in its own process
 * group (so any children a process starts go with it) and remembered, and the
 * runner kills every remembered group when it ends — normally, on an error,
 * or on Ctrl-C. Nothing the benchmark starts may outlive it.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const children = new Set<ChildProcess>();

export const repoRoot = ROOT;

/** True when the module with this `import.meta.url` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

function remember(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** Kills one child's whole process group; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, signal);
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // The group may still hold grandchildren: make sure they go too.
  killGroup(child, "SIGKILL");
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const cleanups: (() => void)[] = [];

/**
 * Something else the runner started that must not outlive it (a PostgreSQL
 * server, which runs detached): `stop` is synchronous and runs once, at the
 * latest when the runner exits.
 */
export function onCleanup(stop: () => void) {
  cleanups.push(stop);
}

/** Synchronous last resort, safe to call from an exit handler. */
export function killAllChildrenSync() {
  for (const child of children) killGroup(child, "SIGKILL");
  children.clear();
  for (const stop of cleanups.splice(0)) {
    try {
      stop();
    } catch {
      // best effort: the runner is exiting
    }
  }
}

export async function stopAllChildren() {
  await Promise.all([...children].map((c) => stopChild(c)));
}

let handlersInstalled = false;
/** Kills every child when the runner exits for any reason it can observe. */
export function installCleanupHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllChildrenSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildrenSync();
      process.exit(130);
    });
  }
}

/** Node flags that make a child run TypeScript with the project's own tsx, in one process (no tsx wrapper). */
const TSX_EXEC_ARGV = ["--import", "tsx"];

/** Starts a TypeScript module of the repo as a node child with an IPC channel. */
export function forkTs(file: string, args: string[] = [], options: { env?: Record<string, string | undefined>; execArgv?: string[] } = {}): ChildProcess {
  return remember(
    fork(path.join(ROOT, file), args, {
      cwd: ROOT,
      detached: true,
      execArgv: [...TSX_EXEC_ARGV, ...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    }),
  );
}

/**
 * `npm run herald` as package.json spells it (`exec node <flags> bin/herald.mjs`:
 * the shell execs node, so npm's signals reach it), so that what is measured and
 * tested is what users run, flags included.
 */
function heraldCommand(): string[] {
  const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.herald;
  const [node, ...rest] = script.replace(/^exec\s+/, "").split(/\s+/);
  if (node !== "node") throw new Error(`package.json's herald script should start with node: ${script}`);
  return rest.map((arg) => (arg.startsWith("bin/") ? path.join(ROOT, arg) : arg));
}

/**
 * Starts the built Herald CLI as `npm run herald` does, with `nodeArgs` added
 * (profiling), without IPC. Output goes to `logFile` when given (a busy worker's log lines must not
 * cost the runner anything), else it is piped and its tail kept; `output()`
 * returns the tail either way, for error messages.
 */
export function spawnHerald(
  args: string[],
  options: { env?: Record<string, string | undefined>; nodeArgs?: string[]; logFile?: string } & Pick<SpawnOptions, "cwd"> = {},
): ChildProcess & { output: () => string } {
  const logFd = options.logFile ? fs.openSync(options.logFile, "a") : undefined;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...heraldCommand(), ...args], {
    cwd: options.cwd ?? ROOT,
    detached: true,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", logFd ?? "pipe", logFd ?? "pipe"],
  }) as ChildProcess & { output: () => string };
  if (logFd !== undefined) fs.closeSync(logFd);
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.output = () => (options.logFile ? tailOfFile(options.logFile, 8000) : tail);
  return remember(child) as ChildProcess & { output: () => string };
}

function tailOfFile(file: string, bytes: number): string {
  try {
    const fd = fs.openSync(file, "r");
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    fs.closeSync(fd);
    return buffer.toString("utf8");
  } catch {
    return "";
  }
}

/** Resolves with the first IPC message that satisfies `match`, or rejects when the child exits first. */
export function nextMessage<T>(child: ChildProcess, match: (m: unknown) => m is T, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!match(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`child exited (code ${code}) before answering`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer from child within ${timeoutMs} ms`));
    }, timeoutMs);
    function cleanup() {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** A free TCP port on loopback (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** All descendants of a pid (read from /proc), including itself. */
export function processTree(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const afterName = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parentOf.set(Number(entry), Number(afterName[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** VmRSS and VmHWM (peak) of one process in bytes, or undefined once it has gone. */
export function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process and its descendants have used so far, in seconds. */
export function cpuSecondsOfTree(rootPid: number): number {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of /proc/<pid>/stat; fields[0] here is field 3.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

export type MemoryPeak = {
  /** Highest sum of VmRSS over the process tree seen by the sampler. */
  treePeakBytes: number;
  /** Highest VmHWM (kernel-recorded peak RSS) of any single process in the tree. */
  largestProcessPeakBytes: number;
};

/**
 * Samples the RSS of a process and its descendants every `intervalMs` until
 * stopped. The kernel's VmHWM catches peaks between samples for each process;
 * the sampled tree sum covers processes that come and go.
 */
export function sampleMemory(rootPid: number, intervalMs = 200): { stop: () => MemoryPeak } {
  let treePeak = 0;
  const hwmByPid = new Map<number, number>();
  const sample = () => {
    let sum = 0;
    for (const pid of processTree(rootPid)) {
      const m = memoryOf(pid);
      if (!m) continue;
      sum += m.rss;
      hwmByPid.set(pid, Math.max(hwmByPid.get(pid) ?? 0, m.hwm));
    }
    treePeak = Math.max(treePeak, sum);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { treePeakBytes: treePeak, largestProcessPeakBytes: Math.max(0, ...hwmByPid.values()) };
    },
  };
}
