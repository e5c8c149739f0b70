import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

/**
 * `npm start` under a process manager (issue #21 item 4): SIGTERM to npm must
 * stop the server too, gracefully. Before, npm → sh → node left node running,
 * still listening, after npm had exited.
 */

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

test("SIGTERM to `npm start` stops the server with it, after a graceful stop", async () => {
  test.setTimeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-service-"));
  const port = await freePort();
  // A SQLite data dir of its own, also in the PostgreSQL run of the specs.
  const npm = spawn("npm", ["start"], {
    env: { ...process.env, HERALD_DATA_DIR: dir, DATABASE_URL: path.join(dir, "herald.db"), PORT: String(port), HERALD_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout.on("data", (d) => (output += d));
  npm.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  try {
    await expect.poll(() => output, { timeout: 60_000 }).toContain("Herald is running at");
    expect(await accepts(port)).toBe(true);
    npm.kill("SIGTERM");
    await exited;
    // The server went with npm: nothing listens on its port any more (waited for, not assumed).
    await expect.poll(() => accepts(port), { timeout: 30_000 }).toBe(false);
    expect(output).toContain('"msg":"stopping","signal":"SIGTERM"');
  } finally {
    npm.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
