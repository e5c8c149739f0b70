import fs from "node:fs";
import path from "node:path";
import { createSandbox, PASSWORD, startServer, stopServer } from "../herald";
import type { Receiver } from "../peers";
import { attacks as echoAttacks } from "./echo";
import { attacks as inviteAttacks } from "./invites";
import { attacks as sessionAttacks } from "./sessions";
import { attacks as apiCredentialAttacks } from "./api-credentials";
import { attacks as redirectAttacks } from "./redirects";
import { attacks as robustnessAttacks } from "./robustness";
import { attacks as throttleAttacks } from "./throttle";
import type { SecurityAttack } from "./types";

/**
 * Every attack of the security part (`npm run test:hardening -- --only security`).
 * Each module exports `attacks`; add a module's list here.
 */
// The throttle attacks go last: they lock this client (127.0.0.1) out of sign-in.
const ATTACKS: SecurityAttack[] = [
  ...inviteAttacks,
  ...sessionAttacks,
  ...echoAttacks,
  ...apiCredentialAttacks,
  ...redirectAttacks,
  ...robustnessAttacks,
  ...throttleAttacks,
];

/** Runs every attack against one production server; one attack's crash is its failure, the others still run. */
export async function securityAttacks(receiver: Receiver, logDir: string) {
  const sandbox = await createSandbox("security", { hookUrl: receiver.url });
  const server = await startServer(sandbox, path.join(logDir, "security-server.log"));
  const failures: string[] = [];
  const figures: Record<string, unknown> = {};
  try {
    for (const attack of ATTACKS) {
      try {
        const out = await attack.run({ server, sandbox, receiver, password: PASSWORD });
        failures.push(...out.failures.map((f) => `${attack.name}: ${f}`));
        figures[attack.name] = out.figures ?? (out.failures.length ? "FAILED" : "held");
      } catch (e) {
        failures.push(`${attack.name}: crashed: ${(e as Error).stack ?? e}`);
      }
    }
  } finally {
    await stopServer(server);
  }
  fs.mkdirSync(logDir, { recursive: true });
  return { figures: { attacks: ATTACKS.length, ...figures }, failures };
}
