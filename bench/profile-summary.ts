/**
 * `npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--skip-ms MS] [--callers FUNCTION | --inclusive]`
 *
 * Summarises a V8 CPU profile (from `npm run bench -- --cpu-prof`, written to
 * bench/results/profiles/) as self time by function and by source file —
 * enough to see where a worker's time goes without opening DevTools.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** The same profile without its first `ms` milliseconds of samples (start-up: loading and compiling code). */
export function skipStart(profile: Profile, ms: number): Profile {
  let elapsed = 0;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  profile.samples.forEach((id, i) => {
    elapsed += profile.timeDeltas[i] ?? 0;
    if (elapsed < ms * 1000) return;
    samples.push(id);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  });
  return { ...profile, samples, timeDeltas };
}

/** Who calls functions named `name`: each distinct stack (innermost first, 6 frames) with its self time. */
export function callersOf(profile: Profile, name: string, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName !== name) continue;
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined && frames.length < 6; at = parentOf.get(at)) {
      const f = byId.get(at)!.callFrame;
      frames.push(`${f.functionName || "(anonymous)"}@${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`);
    }
    stacks.set(frames.join(" < "), (stacks.get(frames.join(" < ")) ?? 0) + us);
  }
  return [...stacks.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
    .join("\n");
}

/** Time spent in each function including what it called (a function on the stack twice counts once). */
export function inclusive(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (byId.get(id)!.callFrame.functionName === "(idle)") return;
    all += us;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const f = byId.get(at)!.callFrame;
      const key = `${f.functionName || "(anonymous)"}  ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + us);
    }
  });
  return [
    `busy (not idle): ${(all / 1000).toFixed(0)} ms`,
    ...[...totals.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / all) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`),
  ].join("\n");
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const shortUrl = (url: string) => {
    if (!url) return "(native)";
    const clean = url.replace(/^file:\/\//, "");
    const nm = clean.lastIndexOf("node_modules/");
    if (nm >= 0) return clean.slice(nm + "node_modules/".length);
    return clean.startsWith("/") ? path.relative(process.cwd(), clean) : clean;
  };
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    add(byFunction, `${functionName || "(anonymous)"}  ${shortUrl(url)}:${lineNumber + 1}`, us);
    add(
      byFile,
      shortUrl(url).replace(/^(@[^/]+\/[^/]+|[^/]+)\/.*$/, (m, pkg: string) => (url.includes("node_modules/") ? pkg : m)),
      us,
    );
  }
  const table = (title: string, map: Map<string, number>) =>
    [
      title,
      ...[...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`),
    ].join("\n");
  return [
    `total sampled: ${(total / 1000).toFixed(0)} ms`,
    "",
    table("self time by function", byFunction),
    "",
    table("self time by file or package", byFile),
  ].join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "30" },
      callers: { type: "string" },
      inclusive: { type: "boolean" },
      "skip-ms": { type: "string", default: "0" },
    },
  });
  if (!positionals[0]) {
    console.error("usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N]");
    process.exit(2);
  }
  const profile = skipStart(JSON.parse(fs.readFileSync(positionals[0], "utf8")) as Profile, Number(values["skip-ms"]));
  const top = Number(values.top);
  console.log(values.callers ? callersOf(profile, values.callers, top) : values.inclusive ? inclusive(profile, top) : summarise(profile, top));
}
