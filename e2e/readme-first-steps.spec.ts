import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { firstStepsScript } from "./readme";

/**
 * The README's First steps, run top to bottom and verbatim (only the port
 * changes) against a server on a fresh data dir of its own (issue #21 item 2:
 * the example event answered 422 "unknown product web-shop" on a fresh
 * install, unseen because earlier specs had created that product). Ends with
 * the example event delivered to the org's own Console inbox.
 */

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

test("the README's First steps, verbatim on a fresh install, end with the example event delivered", async ({ request }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-first-steps-"));
  const port = await freePort();
  // SQLite of its own, also in the PostgreSQL run of the specs: "a fresh data dir".
  const env = { ...process.env, HERALD_DATA_DIR: dir, DATABASE_URL: path.join(dir, "herald.db"), PORT: String(port) };
  const server = spawn("node", ["bin/herald.mjs", "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  try {
    await expect.poll(() => output, { timeout: 90_000 }).toContain("Herald is running at");
    // Step 1, headless form as the README gives it; the password comes on stdin instead of the prompt.
    const setup = spawnSync("npm", ["run", "-s", "herald", "--", "setup", "--org", "acme", "--email", "you@example.com", "--password-file", "-"], {
      env,
      input: "correct horse battery staple\n",
      encoding: "utf8",
    });
    expect(setup.status, setup.stderr).toBe(0);

    const tokenFile = path.join(dir, "token");
    const script = [
      "set -euo pipefail",
      // Each answer's status goes to stderr, checked below; the commands themselves are the README's.
      `curl() { command curl --max-time 30 --write-out '%{stderr}HTTP %{http_code}\\n' "$@"; }`,
      firstStepsScript().replaceAll("localhost:3000", `127.0.0.1:${port}`),
      `printf %s "$TOKEN" > ${tokenFile}`,
    ].join("\n");
    const run = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
    const statuses = [...run.stderr.matchAll(/HTTP (\d+)/g)].map((m) => Number(m[1]));
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(statuses, `${run.stdout}\n${run.stderr}`).toEqual([201, 202]);
    expect(run.stdout).toContain('"deliveries":1');

    // The example event reaches the org's own channel (the Console inbox): waited for, not assumed.
    const token = fs.readFileSync(tokenFile, "utf8");
    await expect
      .poll(
        async () => {
          const answer = await request.get(`http://127.0.0.1:${port}/api/v1/orgs/acme/deliveries`, { headers: { authorization: `Bearer ${token}` } });
          return ((await answer.json()).deliveries as { status: string }[]).map((d) => d.status);
        },
        { timeout: 30_000 },
      )
      .toEqual(["delivered"]);
  } finally {
    server.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
