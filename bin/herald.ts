/**
 * Herald's command line: `npm run herald -- <command>`.
 * Commands print human-readable lines; `token create` prints the token alone
 * on the last line so scripts can read it with `tail -n 1`.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { count, eq } from "drizzle-orm";
import { closeDb, currentDb as current, engineOf, openDatabase, redactUrl, setDb, sqliteOf, type Db } from "@/db/client";
import { orgs, users as usersTable } from "@/db/schema";
import { EnvError, loadEnv, type Env } from "@/lib/env";
import { runSetup } from "@/lib/accounts/setup";
import { createToken } from "@/lib/accounts/tokens";
import { AppError } from "@/lib/errors";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { startHttpServer } from "@/lib/server/http-server";
import { setupSchema, createTokenSchema } from "@/lib/validation/accounts";
import { fieldErrorsOf } from "@/lib/validation/field-errors";

const USAGE = `Usage: npm run herald -- <command>

  start                         migrate the database and start the console and API on PORT
  migrate                       apply pending database migrations
  setup --org NAME --email E [--password-file PATH|-]
                                create the first organization and its owner (refused once a user exists);
                                the password is asked for (not echoed), or read from the file's first line
                                (- for stdin); --password P also works but shows it to ps and shell history
  token create --org SLUG --name N [--role admin|read] [--expires-in-days D]
                                create an API token and print it (last line)
  worker                        run the standalone dispatcher
  backup PATH                   write a consistent copy of the database to PATH (online backup; SQLite)
  vacuum                        SQLite: make an older database give pruned space back (auto_vacuum =
                                INCREMENTAL, then one full VACUUM; stop Herald first, needs free disk
                                space as large as the file)
  copy-db --to URL [--from PATH]
                                copy this SQLite database into an empty PostgreSQL database (docs/scaling.md)
  rotate-key [--new-key KEY] [--keep-old]
                                re-encrypt every channel secret with a new key (stop Herald first)
`;

class CliError extends Error {}

/** Opens (and migrates) the database DATABASE_URL names; a wrong or unreachable one stops here, naming the variable. */
async function openConfiguredDb(): Promise<{ env: Env; db: Db }> {
  const env = loadEnv();
  let db: Db;
  try {
    db = await openDatabase();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  setDb(db);
  return { env, db };
}

const where = (env: Env) => (env.database.engine === "sqlite" ? env.databasePath : redactUrl(env.database.url));

async function start() {
  const { env, db } = await openConfiguredDb();
  if (!fs.existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) {
    throw new CliError("No production build found: run `npm run build` first (the README's run command does).");
  }
  const [users] = await db.select({ n: count() }).from(usersTable);
  const server = await startHttpServer(env);
  console.log(`\nHerald is running at ${env.publicUrl}`);
  console.log(users.n === 0 ? `First run: open ${env.publicUrl}/setup to create your organization.` : `Sign in at ${env.publicUrl}/login`);
  console.log(`Data: ${where(env)}`);
  const everyInterface = env.HOST === "0.0.0.0" || env.HOST === "::";
  console.log(
    everyInterface
      ? `Listening on port ${env.PORT} of every interface (HOST=${env.HOST}).`
      : `Listening on ${env.HOST}:${env.PORT} only: set HOST=0.0.0.0 to accept other machines (after setup, or behind a proxy).`,
  );
  await server.stopped;
  process.exit(0); // requests still open when the signal came are cut; their work is leased or transactional
}

async function setup(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { org: { type: "string" }, email: { type: "string" }, password: { type: "string" }, "password-file": { type: "string" } },
  });
  const password = values.password ?? (await readPassword(values["password-file"]));
  if (password === undefined) throw new CliError("password: not given, and there is no terminal to ask on: use --password-file PATH (- reads it from stdin)");
  const parsed = setupSchema.safeParse({ orgName: values.org, email: values.email, password, confirmPassword: password });
  if (!parsed.success) {
    const flag: Record<string, string> = { orgName: "--org", email: "--email", password: values.password === undefined ? "password" : "--password" };
    // confirmPassword is the password itself here: its errors would repeat the password's.
    const fields = Object.entries(fieldErrorsOf(parsed.error)).filter(([field]) => field !== "confirmPassword");
    throw new CliError(fields.map(([field, messages]) => `${flag[field] ?? field}: ${messages.join("; ")}`).join("\n"));
  }
  const { db } = await openConfiguredDb();
  const { org, user } = await runSetup(db, parsed.data);
  console.log(`Created organization "${org.name}" (slug ${org.slug}) with owner ${user.email}.`);
}

/**
 * The owner's password without putting it on the command line (where `ps`, the shell's history
 * and npm's own echo of the command would show it): the first line of a file (`-`: stdin), or a
 * prompt that does not echo when stdin is a terminal.
 */
async function readPassword(file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    try {
      return fs.readFileSync(file === "-" ? 0 : file, "utf8").split(/\r?\n/)[0];
    } catch (e) {
      throw new CliError(`--password-file: cannot read ${file}: ${(e as Error).message}`);
    }
  }
  if (!process.stdin.isTTY) return undefined;
  const readline = await import("node:readline");
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Print the prompt, then nothing of what is typed.
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stdout.write("Owner's password (12+ characters, not shown): ");
  muted._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stdout.write("\n");
  return answer;
}

async function tokenCreate(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { org: { type: "string" }, name: { type: "string" }, role: { type: "string" }, "expires-in-days": { type: "string" } },
  });
  if (!values.org) throw new CliError("--org: is required (the organization's slug)");
  const parsed = createTokenSchema.safeParse({ name: values.name, role: values.role ?? "admin", expiresInDays: values["expires-in-days"] });
  if (!parsed.success) {
    const fields = Object.entries(fieldErrorsOf(parsed.error));
    throw new CliError(fields.map(([field, messages]) => `--${field.replace("expiresInDays", "expires-in-days")}: ${messages.join("; ")}`).join("\n"));
  }
  const { db } = await openConfiguredDb();
  const [org] = await db.select().from(orgs).where(eq(orgs.slug, values.org)).limit(1);
  if (!org) throw new CliError(`--org: no organization with slug "${values.org}"`);
  const { token } = await createToken(db, org.id, { ...SYSTEM_ACTOR, label: "cli" }, parsed.data);
  console.log(`Created ${parsed.data.role} token "${parsed.data.name}" for ${org.slug}. It is shown once:`);
  console.log(token);
}

/**
 * A database made before retention (issue #18) keeps freed pages inside the
 * file; this converts it once, so later pruning gives space back step by step.
 */
async function vacuum() {
  const { db, env } = await openConfiguredDb();
  if (env.database.engine !== "sqlite") throw new CliError("vacuum: PostgreSQL's autovacuum reuses the space; nothing to convert");
  const sqlite = sqliteOf(db);
  const before = fs.statSync(env.database.path).size;
  sqlite.pragma("auto_vacuum = INCREMENTAL");
  sqlite.exec("VACUUM");
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  const after = fs.statSync(env.database.path).size;
  console.log(`Vacuumed ${env.database.path}: ${before} → ${after} bytes; freed pages now go back to the file system as retention prunes.`);
}

async function backup(args: string[]) {
  const target = args[0];
  if (!target) throw new CliError("backup: give the path of the copy to write");
  const { db } = await openConfiguredDb();
  if (engineOf(db) === "postgres") {
    throw new CliError('backup: on PostgreSQL, use the server\'s own tools: `pg_dump --format=custom --file=herald.dump "$DATABASE_URL"` (docs/backup.md)');
  }
  await sqliteOf(db).backup(path.resolve(target));
  console.log(`Backup written to ${path.resolve(target)}`);
}

async function copyDb(args: string[]) {
  const { values } = parseArgs({ args, options: { to: { type: "string" }, from: { type: "string" } } });
  if (!values.to || !/^postgres(ql)?:\/\//.test(values.to))
    throw new CliError("--to: give the PostgreSQL database to copy into, postgres://user:pass@host:5432/db");
  const env = loadEnv();
  const from = values.from ? path.resolve(values.from) : env.databasePath;
  if (!fs.existsSync(from)) throw new CliError(`--from: no SQLite database at ${from}`);
  const { copySqliteToPostgres, CopyError } = await import("@/db/copy");
  console.log(`Copying ${from} into ${redactUrl(values.to)} (stop Herald first: writes made during the copy are not carried over) …`);
  try {
    const report = await copySqliteToPostgres(from, values.to, (line) => console.log(`  ${line}`));
    const rows = report.tables.reduce((n, t) => n + t.rows, 0);
    console.log(`Copied ${rows} rows in ${report.tables.length} tables in ${report.seconds.toFixed(1)} s; every table's row count matches.`);
    console.log(`Now start Herald with DATABASE_URL=${redactUrl(values.to)} and the same HERALD_ENCRYPTION_KEY and AUTH_SECRET.`);
  } catch (e) {
    if (e instanceof CopyError) throw new CliError(e.message);
    throw e;
  }
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return start();
    case "migrate": {
      const { env } = await openConfiguredDb();
      return console.log(`Database is up to date: ${where(env)}`);
    }
    case "setup":
      return setup(rest);
    case "token":
      if (rest[0] !== "create") throw new CliError("token: the only subcommand is `token create`");
      return tokenCreate(rest.slice(1));
    case "worker": {
      await openConfiguredDb();
      const { runWorkerCommand } = await import("@/lib/dispatch/worker-command");
      return runWorkerCommand();
    }
    case "backup":
      return backup(rest);
    case "vacuum":
      return vacuum();
    case "copy-db":
      return copyDb(rest);
    case "rotate-key": {
      const { runRotateKeyCommand } = await import("@/lib/crypto/rotate");
      return runRotateKeyCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
      return console.log(USAGE);
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2))
  .then(async () => {
    // One-shot commands end here: an open PostgreSQL pool would keep the process alive.
    const command = process.argv[2];
    const opened = current();
    if (command !== "start" && command !== "worker" && opened) await closeDb(opened);
  })
  .catch((e) => {
    if (e instanceof CliError || e instanceof EnvError || e instanceof AppError || (e as Error)?.name === "RotationError") {
      console.error(`herald: ${e.message}`);
    } else {
      console.error(e);
    }
    process.exit(1);
  });
