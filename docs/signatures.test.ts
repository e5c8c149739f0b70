import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { startReceiver, type ReceivedRequest } from "@/lib/dispatch/test-support";
import { sendTestAlert } from "@/lib/test-alert/send";
import { addChannel, seedTestAlertOrg } from "@/lib/test-alert/testing";
import { actorOf } from "@/lib/auth/permissions";
import { testAlertSchema } from "@/lib/validation/test-alert";
import { closeTestDb, testDb } from "@/test/db";

// The receivers in docs/signatures.md, run as written against a delivery Herald really signed.
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

const DOC = fs.readFileSync(path.join(import.meta.dirname, "signatures.md"), "utf8");
/** Fenced blocks tagged `herald-test=NAME`, by name. */
const snippets = Object.fromEntries([...DOC.matchAll(/```(\w+) herald-test=([\w-]+)\n([\s\S]*?)```/g)].map((m) => [m[2], { language: m[1], code: m[3] }]));
// Under the repository, so `import "standardwebhooks"` resolves from its node_modules.
const WORK_DIR = path.join(process.cwd(), "test-data", `doc-snippets-${process.pid}`);

/**
 * The Python package `standardwebhooks`: an installed copy, or else the
 * official library vendored under test/vendor/python (this machine's package
 * index lacks it; see the README there).
 */
const installed = spawnSync("python3", ["-c", "import standardwebhooks"], { encoding: "utf8" });
const PYTHON_ENV: Record<string, string> = installed.status === 0 ? {} : { PYTHONPATH: path.join(process.cwd(), "test", "vendor", "python") };
const python = spawnSync("python3", ["-c", "import standardwebhooks"], { encoding: "utf8", env: { ...process.env, ...PYTHON_ENV } });
const pythonReady = python.status === 0;
const pythonSkipReason = python.error ? "python3 is not installed" : `python3 cannot import standardwebhooks: ${python.stderr}`;
if (!pythonReady) console.warn(`docs/signatures.test.ts: the Python receiver is not executed: ${pythonSkipReason}`);

let secret: string;
let captured: ReceivedRequest;

beforeAll(async () => {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const db = await testDb();
  const seed = await seedTestAlertOrg(db);
  const receiver = await startReceiver();
  try {
    secret = generateSigningSecret();
    const channel = await addChannel(db, seed.org.id, { type: "webhook", name: "docs", url: receiver.url, signingSecret: secret });
    const body = testAlertSchema.parse({ channels: [channel.id], events: [{ type: "deployment.failed", severity: "error" }] });
    const { results } = await sendTestAlert(db, { orgId: seed.org.id, product: null }, actorOf(seed.owner), body);
    expect(results[0]).toMatchObject({ ok: true });
    captured = receiver.received[0];
  } finally {
    await receiver.close();
    await closeTestDb(db);
  }
});

afterAll(() => fs.rmSync(WORK_DIR, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Starts a snippet as a process and resolves once it printed "listening". */
async function run(command: string, file: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(command, [file], {
    cwd: WORK_DIR,
    env: { ...process.env, ...PYTHON_ENV, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${output}`)), 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}: ${output}`));
    });
  });
  child.removeAllListeners("exit");
  return { child, port };
}

/** Replays the captured delivery (optionally altered) to a running snippet; returns its status. */
async function replay(port: number, change: { body?: string; signature?: string } = {}): Promise<number> {
  const header = (name: string) => String(captured.headers[name]);
  const res = await fetch(`http://127.0.0.1:${port}/hook`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": header("webhook-id"),
      "webhook-timestamp": header("webhook-timestamp"),
      "webhook-signature": change.signature ?? header("webhook-signature"),
    },
    body: change.body ?? captured.body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function expectVerifies(command: string, file: string) {
  const genuine = await run(command, file, { HERALD_SIGNING_SECRET: secret });
  try {
    expect(await replay(genuine.port)).toBe(204);
    expect(await replay(genuine.port, { body: captured.body.replace("deployment.failed", "deployment.succeeded") })).toBe(400);
    expect(await replay(genuine.port, { signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" })).toBe(400);
  } finally {
    genuine.child.kill();
  }
  // The same message under another channel's secret is refused.
  const wrongSecret = await run(command, file, { HERALD_SIGNING_SECRET: generateSigningSecret() });
  try {
    expect(await replay(wrongSecret.port)).toBe(400);
  } finally {
    wrongSecret.child.kill();
  }
}

describe("docs/signatures.md", () => {
  it("has the four tagged receivers, and the captured delivery is signed as the page says", () => {
    expect(Object.keys(snippets).sort()).toEqual(["node-hmac", "node-standardwebhooks", "python-hmac", "python-standardwebhooks"]);
    expect(captured.headers["webhook-id"]).toMatch(/^dlv_/);
    expect(captured.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(captured.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
  });

  for (const name of ["node-standardwebhooks", "node-hmac"]) {
    it(`${name}: accepts the genuine delivery (204), refuses an altered body, a forged signature and a wrong secret (400)`, async () => {
      const file = path.join(WORK_DIR, `${name}.mjs`);
      fs.writeFileSync(file, snippets[name].code);
      await expectVerifies(process.execPath, file);
    });
  }

  it("the HMAC snippet is about ten lines", () => {
    const fn = /function verifyHerald[\s\S]*?\n}\n/.exec(snippets["node-hmac"].code)?.[0] ?? "";
    expect(fn.trim().split("\n").length).toBeLessThanOrEqual(11);
  });

  // Needs only python3 (3.9+ for removeprefix), no package.
  it.runIf(!python.error)("python-hmac: accepts the genuine delivery (204), refuses an altered body, a forged signature and a wrong secret (400)", async () => {
    const file = path.join(WORK_DIR, "python_hmac_receiver.py");
    fs.writeFileSync(file, snippets["python-hmac"].code);
    await expectVerifies("python3", file);
  });

  it.runIf(!python.error)("python-standardwebhooks: is valid Python", () => {
    const file = path.join(WORK_DIR, "python_receiver.py");
    fs.writeFileSync(file, snippets["python-standardwebhooks"].code);
    const compiled = spawnSync("python3", ["-m", "py_compile", file], { encoding: "utf8" });
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
  });

  it.skipIf(!pythonReady)(`python-standardwebhooks: verifies the delivery${pythonReady ? "" : ` — SKIPPED: ${pythonSkipReason}`}`, async () => {
    const file = path.join(WORK_DIR, "python_receiver.py");
    fs.writeFileSync(file, snippets["python-standardwebhooks"].code);
    await expectVerifies("python3", file);
  });
});
