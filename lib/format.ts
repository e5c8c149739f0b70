/**
 * Times as the console and its messages show them: in UTC, with the zone said
 * ("2026-12-06 07:56:25 UTC"), the same on every page whatever the browser's
 * locale; `empty` when there is no time.
 */
export function utcTime(value: string | Date | null | undefined, empty = "—"): string {
  return value === null || value === undefined ? empty : `${isoOf(value).replace("T", " ").slice(0, 19)} UTC`;
}

/** The same to the minute ("2026-12-06 07:56 UTC"), where seconds say nothing (hours, windows, silences). */
export function utcMinute(value: string | Date | null | undefined, empty = "—"): string {
  return value === null || value === undefined ? empty : `${isoOf(value).replace("T", " ").slice(0, 16)} UTC`;
}

const isoOf = (value: string | Date) => (typeof value === "string" ? value : value.toISOString());
