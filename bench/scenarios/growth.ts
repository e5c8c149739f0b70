import { forkTs, nextMessage, stopChild } from "../lib/processes";
import type { Figure } from "../lib/report";
import type { GrowthJob, GrowthMeasurement, GrowthResult, PageKey } from "../growth";

/**
 * Growth (issue #18): every figure on the empty database and again after
 * `rows` finished deliveries of history, in one child (bench/growth.ts) with
 * the sandbox's environment. The target: no figure costs more than 1.2× its
 * empty-database value, and the delivery log's first page takes ≤ 50 ms.
 */

export const GROWTH_LIMIT = 1.2;
/** While the history is pruned, ingest and delivery stay within 10 % of the figures without pruning. */
export const PRUNING_LIMIT = 1.1;
const FIRST_PAGE_LIMIT_MS = 50;

export async function runGrowthChild(
  env: Record<string, string>,
  job: GrowthJob,
  progress: (message: string) => void,
  timeoutMs: number,
): Promise<GrowthResult> {
  const child = forkTs("bench/growth.ts", [], { env });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const onProgress = (m: unknown) => {
    if ((m as { type?: string })?.type === "progress") progress((m as { message: string }).message);
  };
  child.on("message", onProgress);
  try {
    const answer = nextMessage(
      child,
      (m): m is { type: "grown"; result: GrowthResult } | { type: "growth-failed"; error: string } =>
        ["grown", "growth-failed"].includes((m as { type?: string })?.type ?? ""),
      timeoutMs,
    );
    child.send({ type: "growth", job });
    const m = await answer.catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
    if (m.type === "growth-failed") throw new Error(`growth failed: ${m.error.split("\n").slice(0, 6).join(" ")}`);
    return m.result;
  } finally {
    child.off("message", onProgress);
    await stopChild(child);
  }
}

type Row = {
  key: string;
  label: string;
  unit: string;
  value: (m: GrowthMeasurement) => number;
  /** Rates: a lower value is the higher cost. */
  rate?: boolean;
  /** A limit of its own, in the figure's unit, besides the ratio. */
  limit?: number;
};

const PAGE_LABELS: Record<PageKey, string> = {
  deliveriesFirstPage: "delivery log, first page",
  deliveriesByChannel: "delivery log, by channel",
  deliveriesByStatus: "delivery log, by status (failed)",
  deliveriesByEvent: "delivery log, by event (an old one)",
  eventsFirstPage: "events page, first page",
};

export const GROWTH_ROWS: Row[] = [
  { key: "growthIngestSingle", label: "ingest, single events", unit: "events/s", rate: true, value: (m) => m.ingestSingle.eventsPerSecond },
  { key: "growthIngestSingleP99", label: "ingest, single events, p99", unit: "ms", value: (m) => m.ingestSingle.p99Ms },
  { key: "growthIngestBatch", label: "ingest, batches of 500", unit: "events/s", rate: true, value: (m) => m.ingestBatch.eventsPerSecond },
  { key: "growthIngestSingleCpu", label: "ingest, single events, CPU", unit: "µs/event", value: (m) => m.ingestSingle.cpuMicrosPerEvent },
  { key: "growthIngestBatchCpu", label: "ingest, batches of 500, CPU", unit: "µs/event", value: (m) => m.ingestBatch.cpuMicrosPerEvent },
  { key: "growthDelivery", label: "claim and delivery, 1 dispatcher", unit: "/s", rate: true, value: (m) => m.delivery.deliveriesPerSecond },
  { key: "growthDeliveryCpu", label: "claim and delivery, CPU", unit: "µs/delivery", value: (m) => m.delivery.cpuMicrosPerDelivery },
  ...(Object.keys(PAGE_LABELS) as PageKey[]).map((k) => ({
    key: `growth${k[0].toUpperCase()}${k.slice(1)}`,
    label: PAGE_LABELS[k],
    unit: "ms",
    value: (m: GrowthMeasurement) => m.pages[k].medianMs,
    limit: k === "deliveriesFirstPage" ? FIRST_PAGE_LIMIT_MS : undefined,
  })),
  { key: "growthBytesPerDelivery", label: "database growth per delivery", unit: "B", value: (m) => m.bytesPerDeliveryAdded },
];

const short = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The figures pruning may not cost more than PRUNING_LIMIT of: what users feel while history goes. */
const PRUNING_ROWS = GROWTH_ROWS.filter((row) => ["growthIngestSingle", "growthIngestSingleP99", "growthIngestBatch", "growthDelivery"].includes(row.key));

/**
 * The seeded database measured while its history is pruned, beside the same
 * measured without (medians of the rounds), and how fast the pruner went: first
 * with a backlog of less than a day past the window (the target: the pruner
 * yields to writers), then with one days overdue (its fixed share; no target).
 */
export function pruningFigures(r: GrowthResult, quick: boolean): Figure[] {
  return [
    ...variantFigures(r, r.pruning, { key: "pruning", label: "", target: `≤ ${PRUNING_LIMIT}× without`, judged: !quick }),
    ...variantFigures(r, r.overduePruning, { key: "pruningOverdue", label: ", overdue backlog", target: "— (5 % share)", judged: false }),
  ];
}

function variantFigures(r: GrowthResult, pruning: GrowthResult["pruning"], variant: { key: string; label: string; target: string; judged: boolean }): Figure[] {
  if (!pruning.measurements.length) return [];
  const out: Figure[] = PRUNING_ROWS.map((row) => {
    const without = median(r.seeded.map(row.value));
    const during = median(pruning.measurements.map(row.value));
    const ratio = row.rate ? without / during : during / without;
    return {
      key: `${variant.key}${row.key.slice("growth".length)}`,
      label: `${row.label}${variant.label}`,
      value: during,
      unit: row.unit,
      baseline: { value: without, ratio },
      target: variant.target,
      meetsTarget: variant.judged ? ratio <= PRUNING_LIMIT : undefined,
      note:
        r.seeded.length > 1
          ? `rounds: ${r.seeded.map(row.value).map(short).join(" / ")} → ${pruning.measurements.map(row.value).map(short).join(" / ")}`
          : undefined,
    };
  });
  const pruned = pruning.runs.reduce((sum, run) => sum + run.deliveriesPruned, 0);
  const seconds = pruning.runs.reduce((sum, run) => sum + run.seconds, 0);
  const left = pruning.runs.at(-1)?.backlogLeft ?? 0;
  out.push({
    key: `${variant.key}Rate`,
    label: `deliveries pruned meanwhile${variant.label}`,
    value: pruned / Math.max(seconds, 1e-9),
    unit: "/s",
    // A pruner that ran out of history before the measurement ended would flatter the figures above.
    note: `${pruned.toLocaleString("en-US")} in ${seconds.toFixed(1)} s, ${left.toLocaleString("en-US")} still to prune at the end${left === 0 ? " — the backlog ran out: measure more rows" : ""}`,
  });
  return out;
}

/** The figures of a growth run: the seeded value, its empty-database baseline and the cost ratio between them (medians of the rounds). */
export function growthFigures(r: GrowthResult, quick: boolean): Figure[] {
  const out: Figure[] = GROWTH_ROWS.map((row) => {
    const empty = median(r.empty.map(row.value));
    const seeded = median(r.seeded.map(row.value));
    const ratio = row.rate ? empty / seeded : seeded / empty;
    const target = `≤ ${GROWTH_LIMIT}× empty${row.limit ? `, ≤ ${row.limit} ${row.unit}` : ""}`;
    return {
      key: row.key,
      label: row.label,
      value: seeded,
      unit: row.unit,
      baseline: { value: empty, ratio },
      target,
      meetsTarget: quick ? undefined : ratio <= GROWTH_LIMIT && (row.limit === undefined || seeded <= row.limit),
      note: r.seeded.length > 1 ? `rounds: ${r.empty.map(row.value).map(short).join(" / ")} → ${r.seeded.map(row.value).map(short).join(" / ")}` : undefined,
    };
  });
  const last = r.seeded.at(-1)!;
  out.push({
    key: "growthDatabaseBytesPerDelivery",
    label: "database size per delivery",
    value: last.bytesPerDelivery,
    unit: "B",
    note: `${(last.databaseBytes / 2 ** 30).toFixed(2)} GiB for ${(last.deliveriesBefore + last.delivery.deliveries).toLocaleString("en-US")} deliveries`,
  });
  return out;
}
