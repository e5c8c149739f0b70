import path from "node:path";

/** Where the e2e server runs and the loopback peers it talks to (all on 127.0.0.1). */
// E2E_PORT moves the server and its two peers (+25, +26), so a second copy can run beside this one;
// data and results follow the port.
const port = Number(process.env.E2E_PORT ?? 3100);
const smtpPort = port + 25;
const dataDir = path.resolve(`test-data/e2e-${port}`);

export const E2E = {
  port,
  baseURL: `http://127.0.0.1:${port}`,
  dataDir,
  /** Playwright's traces and screenshots of failures (it empties the directory when a run starts). */
  resultsDir: path.resolve(`test-results/e2e-${port}`),
  /** A real SMTP server started by global-setup (smtp-server), capturing messages. */
  smtpPort,
  /** A real HTTP receiver started by global-setup; see e2e/receiver.ts. */
  receiverPort: port + 26,
  owner: { org: "Acme Corp", slug: "acme-corp", email: "owner@acme.test", password: "correct horse battery" },
  member: { email: "member@acme.test", password: "member password 123" },
  serverEnv: {
    PORT: String(port),
    HERALD_DATA_DIR: dataDir,
    HERALD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    HERALD_RETRY_SCHEDULE: "1,1,1",
    HERALD_LOG_LEVEL: "warn",
    HERALD_DISPATCH_TOKEN: "e2e-dispatch-token-0123456789abcdef",
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SMTP_FROM: "Herald <herald@acme.test>",
    NEXT_TELEMETRY_DISABLED: "1",
    // Set by test/with-postgres.ts (`npm run test:e2e:postgres`): the same specs against a PostgreSQL server.
    ...(process.env.E2E_DATABASE_URL ? { DATABASE_URL: process.env.E2E_DATABASE_URL } : {}),
  } as Record<string, string>,
};
