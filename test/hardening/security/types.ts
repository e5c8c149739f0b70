import type { Receiver } from "../peers";
import type { Sandbox, Server } from "../herald";

/** What every attack gets: one production server on a seeded sandbox, and the loopback receiver. */
export type SecurityContext = {
  server: Server;
  sandbox: Sandbox;
  receiver: Receiver;
  /** The seeded owner's password (the owner is `sandbox.ownerEmail`). */
  password: string;
};

/**
 * One attack, performed from outside against the running server. `run` returns
 * the broken promises it saw (empty when every defence held) and figures to print.
 * An attack must be able to fail: it performs the attack for real and checks the outcome.
 */
export type SecurityAttack = {
  name: string;
  run(ctx: SecurityContext): Promise<{ failures: string[]; figures?: Record<string, unknown> }>;
};
