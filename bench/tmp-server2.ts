import { spawn } from "node:child_process";
import { heraldSandbox, seed } from "./lib/herald";
import { freePort } from "./lib/processes";
import { request } from "undici";
void (async () => {
  const s = heraldSandbox("srv");
  const seeded = await seed(s.env, { kind: "server", receiverUrl: "http://127.0.0.1:9", channels: 3 });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/sprof", "node_modules/next/dist/bin/next", "start", "-p", String(port)], {
    env: { ...process.env, ...s.env, HERALD_WORKER: "off", NEXTAUTH_URL: origin, NEXTAUTH_SECRET: s.env.AUTH_SECRET, HERALD_PUBLIC_URL: origin, PORT: String(port) }, stdio: "inherit" });
  for (;;) { try { const r = await request(origin + "/api/health"); await r.body.dump(); if (r.statusCode === 200) break; } catch {} await new Promise(r => setTimeout(r, 200)); }
  const headers = { "content-type": "application/json", authorization: `Bearer ${seeded.token}` };
  const r0 = await request(origin + "/api/v1/events", { method: "POST", headers, body: JSON.stringify({ type: "log.entry", severity: "info", title: "x" }) }); console.log(await r0.body.text());
  const t = performance.now(); let n = 0;
  await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() - t < 25000) { const r = await request(origin + "/api/v1/events", { method: "POST", headers, body: JSON.stringify({ type: "log.entry", severity: "info", title: "x" }) }); await r.body.text(); n++; } }));
  console.log("load", (n / 25).toFixed(0), "req/s");
  child.kill("SIGTERM");
  await new Promise(r => child.once("exit", r));
})();
