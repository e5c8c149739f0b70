import { env } from "@/lib/env";

/**
 * Structured JSON logs, one line each. Callers pass plain facts; secrets and
 * webhook URLs are never given to the logger (redaction is the caller's job,
 * enforced by the leak tests).
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, "silent">;

let threshold: number | undefined;

function enabled(level: Level): boolean {
  threshold ??= LEVELS[env().HERALD_LOG_LEVEL];
  return LEVELS[level] >= threshold;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (!enabled(level)) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields });
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(line + "\n");
}

export const log = {
  /** Whether a line at this level would be written: a hot path checks before building its fields. */
  enabled,
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
