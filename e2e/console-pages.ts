import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E } from "./env";

/**
 * The console pages of an org, found in the file tree (app/o/[org]/**\/page.tsx),
 * for the generated e2e checks (role access, secret scan): "" is the org's
 * home, dynamic segments stay as written ("products/[product]").
 */
export function consolePages(dir = path.resolve("app/o/[org]"), prefix: string[] = []): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      if (entry.name.startsWith("_") || entry.name.startsWith("@")) return [];
      const segment = /^\(.*\)$/.test(entry.name) ? [] : [entry.name];
      return consolePages(path.join(dir, entry.name), [...prefix, ...segment]);
    }
    return /^page\.(tsx|ts|jsx|js)$/.test(entry.name) ? [prefix.join("/")] : [];
  });
}

/**
 * `/o/{org}/events/evt_…` for a page, its dynamic segments filled from `fill`
 * (keyed by the page path up to the segment, e.g. "events/[id]", or by the
 * segment alone, e.g. "[product]"). Throws naming what is missing.
 */
export function consoleUrl(org: string, page: string, fill: Record<string, string>, spec: string): string {
  const parts = page.split("/").map((segment, i, all) => {
    if (!segment.startsWith("[")) return segment;
    const value = fill[[...all.slice(0, i), segment].join("/")] ?? fill[segment];
    if (!value) throw new Error(`${spec} does not know how to fill ${segment} in /o/{org}/${page}: add it to its \`fill\``);
    return value;
  });
  return `/o/${org}${page ? `/${parts.join("/")}` : ""}`;
}

/** Creates a request catcher through the console (it has no API) and returns its id, for pages that show one. */
export async function createCatcher(page: Page, name: string): Promise<string> {
  await page.goto(`/o/${E2E.owner.slug}/catchers`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create catcher" }).click();
  await page.waitForURL(/\/catchers\/cat_[^/]+$/);
  return page.url().split("/").pop()!;
}
