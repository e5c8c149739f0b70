"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import type { HourOutcomes, OverviewRange } from "@/lib/overview/org-overview";

/** Tailwind's emerald-600 and red-600: the badges' tones, as fills (recharts sets them as SVG attributes). */
const DELIVERED = "#059669";
const FAILED = "#dc2626";

const hourLabel = (iso: string) => `${iso.slice(11, 13)}:00`;
const dayLabel = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const fullLabel = (iso: string) => `${iso.slice(0, 10)} ${hourLabel(iso)} UTC`;

/**
 * Deliveries per hour by outcome, stacked bars (recharts). Keyboard: the chart
 * takes focus and the arrow keys walk the hours, the tooltip reading each out
 * (recharts' accessibility layer); the page gives the same figures as a
 * summary and a table for screen readers.
 */
export function DeliveriesChart({ hours, range, title, summary }: { hours: HourOutcomes[]; range: OverviewRange; title: string; summary: string }) {
  // 7 days: one tick a day, at midnight UTC; 24 h: every sixth hour (00, 06, 12, 18), which a phone fits too.
  const ticks = hours.filter((h) => Number(h.hour.slice(11, 13)) % (range === "7d" ? 24 : 6) === 0).map((h) => h.hour);
  return (
    <BarChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={hours}
      title={title}
      desc={summary}
      margin={{ top: 8, right: 4, bottom: 0, left: -16 }}
      barCategoryGap={range === "7d" ? 0 : "15%"}
    >
      <CartesianGrid vertical={false} stroke="#e2e8f0" />
      <XAxis
        dataKey="hour"
        ticks={ticks}
        tickFormatter={range === "7d" ? dayLabel : hourLabel}
        tick={{ fontSize: 11, fill: "#64748b" }}
        tickLine={false}
        axisLine={{ stroke: "#cbd5e1" }}
        minTickGap={4}
      />
      <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} width={48} />
      <Tooltip labelFormatter={(label) => fullLabel(String(label))} cursor={{ fill: "#f1f5f9" }} isAnimationActive={false} />
      <Legend wrapperStyle={{ fontSize: 12 }} />
      <Bar dataKey="delivered" name="Delivered" stackId="outcome" fill={DELIVERED} isAnimationActive={false} />
      <Bar dataKey="failed" name="Failed" stackId="outcome" fill={FAILED} isAnimationActive={false} />
    </BarChart>
  );
}
