import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./processes";
import { GROWTH_LIMIT, PRUNING_LIMIT } from "../scenarios/growth";

/** One line of the results table (and of latest.json). */
export type Figure = {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  /** value ÷ the ceiling measured in the same run, for rates. */
  ratioToCeiling?: number | null;
  /** The issue's target in words, e.g. "≥ 10,000/s and ≥ 35 %". */
  target?: string;
  /** Whether the value meets the target; undefined when not comparable (quick mode, skipped). */
  meetsTarget?: boolean;
  /** Why the figure was not measured (a missing prerequisite). */
  skipped?: string;
  /** Why the figure could not be measured although it should have been (a crash, a bad answer). */
  error?: string;
  note?: string;
  /**
   * Growth figures (issue #18): the value on the empty database, and how much more the
   * seeded value costs (seeded ÷ empty; for rates, empty ÷ seeded). They print in a table of their own.
   * Pruning figures (keys `pruning…`) likewise: the seeded value without pruning, and the cost while it prunes.
   */
  baseline?: { value: number; ratio: number };
};

export type RunMeta = {
  commit: string;
  date: string;
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadAverageAtStart: number[];
  mode: "full" | "quick";
  /** The engine every scenario ran on; for PostgreSQL its version and the throw-away cluster's settings that bear on speed. */
  engine: { name: "sqlite" } | { name: "postgres"; version: string; settings: Record<string, string> };
  logLevel: string;
  /** When the build (.next/BUILD_ID, dist/herald.mjs) was written, and whether commits came after it (the server figures measure the build). */
  build: { builtAt: string; olderThanHead: boolean } | null;
};

export function runMeta(mode: "full" | "quick", engine: RunMeta["engine"] = { name: "sqlite" }): RunMeta {
  let commit = "unknown";
  let headTime = 0;
  try {
    commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    headTime = Number(execFileSync("git", ["log", "-1", "--format=%ct"], { cwd: repoRoot, encoding: "utf8" }).trim()) * 1000;
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, encoding: "utf8" }).trim();
    if (dirty) commit += " (+ uncommitted changes)";
  } catch {
    // not a git checkout
  }
  let build: RunMeta["build"] = null;
  try {
    // `npm run build` writes both; the older one dates the build.
    const builtAt = Math.min(...[".next/BUILD_ID", "dist/herald.mjs"].map((file) => fs.statSync(path.join(repoRoot, file)).mtimeMs));
    build = { builtAt: new Date(builtAt).toISOString(), olderThanHead: headTime > builtAt };
  } catch {
    // no build: the server figures say so
  }
  return {
    commit,
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    mode,
    engine,
    logLevel: process.env.HERALD_LOG_LEVEL ?? "info",
    build,
  };
}

const formatNumber = (v: number, unit: string) => (unit === "ms" ? v.toFixed(1) : unit === "MB" ? v.toFixed(0) : Math.round(v).toLocaleString("en-US"));

function valueCell(f: Figure): string {
  if (f.skipped) return `skipped: ${f.skipped}`;
  if (f.error) return `error: ${f.error.split("\n")[0].slice(0, 120)}`;
  if (f.value === null) return "—";
  return `${formatNumber(f.value, f.unit)} ${f.unit}`;
}

/** "SQLite" or "PostgreSQL 15.10 (fsync=off, …)", for the table's heading. */
export function engineLine(engine: RunMeta["engine"]): string {
  if (engine.name === "sqlite") return "SQLite";
  const settings = Object.entries(engine.settings).map(([k, v]) => `${k}=${v}`);
  return `PostgreSQL ${engine.version}${settings.length ? ` (${settings.join(", ")})` : ""}`;
}

function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

const metCell = (f: Figure) => (f.meetsTarget === undefined ? "" : f.meetsTarget ? "yes" : "NO");

export function renderTable(meta: RunMeta, figures: Figure[], growthHeading = "growth", pruningHeading = "pruning"): string {
  const isPruning = (f: Figure) => f.key.startsWith("pruning");
  const isGrowth = (f: Figure) => !isPruning(f) && (f.baseline !== undefined || f.key.startsWith("growth"));
  const main = figures.filter((f) => !isPruning(f) && !isGrowth(f));
  const rows = main.map((f) => [
    f.label,
    valueCell(f),
    f.ratioToCeiling != null && f.value !== null ? `${(f.ratioToCeiling * 100).toFixed(1)} %` : "",
    f.target ?? "",
    metCell(f),
    f.note ?? "",
  ]);
  // Compared figures side by side with their baseline; "×" over the limit is marked.
  const compared = (list: Figure[], limit: number) =>
    list.map((f) => [
      f.label,
      f.baseline ? `${formatNumber(f.baseline.value, f.unit)} ${f.unit}` : "",
      valueCell(f),
      f.baseline ? `×${f.baseline.ratio.toFixed(2)}${f.baseline.ratio > limit ? " !" : ""}` : "",
      f.target ?? "",
      metCell(f),
      f.note ?? "",
    ]);
  const growth = figures.filter(isGrowth);
  const pruning = figures.filter(isPruning);
  return [
    `Herald benchmark (${meta.mode}) on ${engineLine(meta.engine)} — commit ${meta.commit}, ${meta.date}`,
    `Node ${meta.node}, ${meta.cpu} × ${meta.cores}, ${meta.memoryGiB} GiB, load average at start ${meta.loadAverageAtStart.join(" ")}, HERALD_LOG_LEVEL=${meta.logLevel}`,
    ...(meta.build?.olderThanHead
      ? [`Note: the production build (${meta.build.builtAt}) is older than the last commit; the server figures measure the build.`]
      : []),
    ...(main.length ? ["", ...columns(["figure", "value", "of ceiling", "target", "met", "note"], rows)] : []),
    ...(growth.length ? ["", ...columns([growthHeading, "empty", "seeded", "× empty", "target", "met", "note"], compared(growth, GROWTH_LIMIT))] : []),
    ...(pruning.length
      ? ["", ...columns([pruningHeading, "without", "while pruning", "× without", "target", "met", "note"], compared(pruning, PRUNING_LIMIT))]
      : []),
  ].join("\n");
}

export function writeResults(file: string, content: object) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(content, null, 2) + "\n");
}
