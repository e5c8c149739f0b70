import { SEVERITIES, type QuietHours, type Severity } from "@/db/schema/values";

/**
 * Quiet hours (issue #24 item 3, as Novu has them): outside a channel's working
 * hours — in its own time zone — only events of `minSeverity` and above go out
 * at once; the rest wait in one digest that goes out when the next working
 * window opens. Working hours are `start`–`end` (local, end excluded) on the
 * given weekdays (0 = Sunday); every other moment is quiet.
 */

/** The local calendar parts of an instant in a time zone. */
function localParts(timeZone: string, at: number) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday);
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute, second: +parts.second, weekday };
}

/** The instant a local wall-clock time names in the zone (at a DST gap: the first instant after it). */
function instantOf(timeZone: string, year: number, month: number, day: number, minutes: number): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  // The zone's offset at a guess, then at the corrected guess (it may differ across a DST change).
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = localParts(timeZone, guess);
    const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(guess / 1000) * 1000;
    guess = wall - offset;
  }
  return guess;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Null when `at` is inside working hours; otherwise when the next working window opens. */
export function quietUntil(quiet: QuietHours, at: number): number | null {
  const now = localParts(quiet.timezone, at);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const nowMinutes = now.hour * 60 + now.minute;
  if (quiet.days.includes(now.weekday) && nowMinutes >= start && nowMinutes < end) return null;
  for (let ahead = 0; ahead <= 7; ahead++) {
    const weekday = (now.weekday + ahead) % 7;
    if (!quiet.days.includes(weekday)) continue;
    // Calendar arithmetic on the local date; Date.UTC normalizes day overflow across months.
    const date = new Date(Date.UTC(now.year, now.month - 1, now.day + ahead));
    const opens = instantOf(quiet.timezone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), start);
    if (opens > at) return opens;
  }
  return null; // no working day at all: validation refuses that, so nothing is held forever
}

/** Whether an event of this severity waits for working hours on this channel now; when so, until when. */
export function heldForQuietHours(quiet: QuietHours, severity: Severity, at: number): number | null {
  if (SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(quiet.minSeverity)) return null;
  return quietUntil(quiet, at);
}

/** The digest key of a quiet period's waiting notifications: one per channel and opening time. */
export const quietDigestKey = (channelId: string, opensAt: number) => `quiet:${channelId}:${opensAt}`;

export const isQuietDigestKey = (key: string | null) => key?.startsWith("quiet:") ?? false;
