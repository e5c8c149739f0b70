import fs from "node:fs";
import path from "node:path";
import { expect, type Browser, type Page } from "@playwright/test";
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
export async function createCatcher(page: Page, name: string, org = E2E.owner.slug): Promise<string> {
  await page.goto(`/o/${org}/catchers`);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create catcher" }).click();
  await page.waitForURL(/\/catchers\/cat_[^/]+$/);
  return page.url().split("/").pop()!;
}

/** The roles the generated checks (role access, accessibility) visit every console page as. */
export const ROLES = ["owner", "admin", "member", "productAdmin", "otherProductAdmin"] as const;
export type Role = (typeof ROLES)[number];

/** Invites `email` to `org` as owner `owner`, and returns the invite link (the Members page shows it). */
export async function inviteLink(owner: Page, org: string, email: string, role: "admin" | "member" = "member"): Promise<string> {
  await owner.goto(`/o/${org}/members`);
  await owner.getByLabel("E-mail").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption(role);
  await owner.getByRole("button", { name: "Add member" }).click();
  return (await owner.getByTestId("invite-url").textContent())!.trim();
}

/** A new account that accepted its invitation to `org` by setting `password` through the link, signed in in its own context. */
export async function acceptInvite(
  browser: Browser,
  url: string,
  org: string,
  password: string,
  beforeAccepting?: (page: Page) => Promise<void>,
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await beforeAccepting?.(page);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/`));
  return page;
}

/** Makes a member an admin of one product, on the product's page. */
export async function makeProductAdmin(owner: Page, org: string, product: string, email: string) {
  await owner.goto(`/o/${org}/products/${product}`);
  await owner.getByRole("checkbox", { name: email }).check();
  await owner.getByRole("button", { name: "Save product admins" }).click();
  await expect(owner.getByText("Product admins saved.")).toBeVisible();
}
