import { execFileSync } from "node:child_process";
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { E2E } from "./env";

export { E2E };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/o\//);
}

export async function signInAsOwner(page: Page) {
  await signIn(page, E2E.owner.email, E2E.owner.password);
}

/** Runs the CLI against the e2e server's data dir (same SQLite file, WAL allows both). */
export function herald(...args: string[]): string {
  return execFileSync("node_modules/.bin/tsx", ["bin/herald.ts", ...args], {
    env: { ...process.env, ...E2E.serverEnv },
    encoding: "utf8",
  });
}

/** A fresh admin (or read) API token for the e2e org, created through the CLI. */
export function createToken(role: "admin" | "read" = "admin", name = `e2e-${Date.now()}`): string {
  return herald("token", "create", "--org", E2E.owner.slug, "--name", name, "--role", role).trim().split("\n").pop()!;
}

/** POSTs JSON to the API with a bearer token, expects a 2xx (the answer's text in the failure) and returns its body. */
export function apiPoster(request: APIRequestContext, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return async (path: string, data: unknown) => {
    const res = await request.post(path, { headers, data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
}

/** The loopback receiver's recorded requests and mail (see e2e/receiver.ts). */
export async function receiver(request: APIRequestContext) {
  const base = `http://127.0.0.1:${E2E.receiverPort}`;
  return {
    url: (path = "/hook") => `${base}${path}`,
    requests: async () => (await request.get(`${base}/__requests`)).json(),
    mail: async () => (await request.get(`${base}/__mail`)).json(),
    answer: async (status: number) => request.post(`${base}/__status/${status}`),
    reset: async () => request.post(`${base}/__reset`),
  };
}

/** The unread count the header's bell announces. */
export async function unreadCount(page: Page): Promise<number> {
  const label = (await page.getByTestId("inbox-bell").getAttribute("aria-label")) ?? "";
  return Number(/(\d+) unread/.exec(label)?.[1] ?? 0);
}
