import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./routes";

/**
 * Every server action is a public POST endpoint: Next serves it to anyone who
 * knows its id. This test finds every `"use server"` module under app/, lib/
 * and components/, lists its exported actions, and checks that each body
 * calls the guard (`authorize(` / `authorizePage(`, directly or through a
 * helper of the same file that does) — or is on the allow-list below with the
 * reason it needs none. A new action without a guard fails here.
 */

const ALLOWED_WITHOUT_GUARD: Record<string, string> = {
  "app/setup/actions.ts#setupAction": "first-run setup: runSetup refuses (409) once any user exists, inside a write-locked transaction",
  "app/invite/[token]/actions.ts#acceptInviteAction":
    "the invite token is the credential: single use, hashed at rest, expiring; it sets a password only for an account that never had one",
  "app/invite/[token]/actions.ts#joinOrgAction":
    "needs the invite token and a session of the invited account (currentUser() itself): it only accepts that account's own invitation",
  "app/o/[org]/session-actions.ts#signOutEverywhereAction": "any signed-in person ends their own sessions; it checks currentUser() itself",
  "app/orgs/new/actions.ts#createOrgAction": "any signed-in user may create an org (they become its owner); it checks currentUser() itself",
};

const GUARDS = /\b(authorize|authorizePage)\s*\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : sourceFiles(full);
    return /\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The text from `start` to the end of the statement's outermost braces/parentheses (strings and comments are rare enough to ignore). */
function blockFrom(source: string, start: number): string {
  let depth = 0;
  let opened = false;
  for (let i = start; i < source.length; i++) {
    const ch = source[i];
    if (ch === "(" || ch === "{" || ch === "[") {
      depth++;
      opened = true;
    } else if (ch === ")" || ch === "}" || ch === "]") {
      depth--;
      if (opened && depth === 0) {
        const rest = source.slice(i + 1);
        // `validatedAction(schema, async (…) => { … })` ends at its closing parenthesis.
        const tail = /^\s*[;\n]/.exec(rest);
        if (tail || i + 1 === source.length) return source.slice(start, i + 1);
      }
    } else if (ch === ";" && depth === 0 && opened) {
      return source.slice(start, i);
    }
  }
  return source.slice(start);
}

type Action = { file: string; name: string; body: string };

/** Exported functions of a `"use server"` module: `export const x = …`, `export async function x(…) {…}`. */
function exportedActions(file: string, source: string): Action[] {
  const rel = path.relative(ROOT, file);
  const out: Action[] = [];
  for (const m of source.matchAll(/export\s+(?:const|let)\s+(\w+)\s*=|export\s+(?:async\s+)?function\s+(\w+)/g)) {
    out.push({ file: rel, name: m[1] ?? m[2], body: blockFrom(source, m.index!) });
  }
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1]
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [local, exported = local] = part.split(/\s+as\s+/);
      const def = new RegExp(`(?:const|let|function)\\s+${local}\\b`).exec(source);
      out.push({ file: rel, name: exported, body: def ? blockFrom(source, def.index) : "" });
    }
  }
  return out;
}

/** Local helpers that call the guard (e.g. the inbox's `member(org)`), so calling them counts as guarded. */
function guardingHelpers(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/(?:async\s+)?function\s+(\w+)\s*\(|(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\(/g)) {
    const name = m[1] ?? m[2];
    if (GUARDS.test(blockFrom(source, m.index!))) names.push(name);
  }
  return names;
}

function isGuarded(action: Action, helpers: string[]): boolean {
  const body = action.body.replace(/^export\s+(?:const|let)\s+\w+\s*=|^export\s+(?:async\s+)?function\s+\w+/, "");
  return GUARDS.test(body) || helpers.some((h) => h !== action.name && new RegExp(`\\b${h}\\s*\\(`).test(body));
}

const files = ["app", "lib", "components"].flatMap((d) => sourceFiles(path.join(ROOT, d)));
const moduleActions: Action[] = [];
const inlineDirectives: string[] = [];
for (const file of files) {
  const source = readFileSync(file, "utf8");
  if (/^\s*(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*["']use server["']/.test(source)) {
    const helpers = guardingHelpers(source);
    for (const action of exportedActions(file, source)) moduleActions.push({ ...action, body: isGuarded(action, helpers) ? "guarded" : action.body });
  } else if (/["']use server["']/.test(source)) {
    inlineDirectives.push(path.relative(ROOT, file));
  }
}

/** Console pages of an org (app/o/…): each loads data only after the page guard, or only redirects. */
const orgPages = sourceFiles(path.join(ROOT, "app", "o")).filter((f) => /\/page\.tsx?$/.test(f));

describe("console pages", () => {
  it("are found", () => {
    expect(orgPages.length).toBeGreaterThan(8);
  });

  it.each(orgPages.map((f) => [path.relative(ROOT, f), f] as const))("%s calls authorizePage (or only redirects)", (_, file) => {
    const source = readFileSync(file, "utf8");
    const redirectOnly = /\bredirect\(/.test(source) && !/\bdb\(\)/.test(source);
    expect(GUARDS.test(source) || redirectOnly).toBe(true);
  });
});

describe("server actions", () => {
  it("are found (the discovery can fail)", () => {
    expect(moduleActions.length).toBeGreaterThan(10);
    expect(moduleActions.map((a) => a.name)).toContain("createChannelAction");
  });

  it.each(moduleActions.map((a) => [`${a.file}#${a.name}`, a] as const))("%s calls the guard or says why it needs none", (key, action) => {
    if (ALLOWED_WITHOUT_GUARD[key]) return expect(action.body, `${key} is allow-listed but now calls authorize: take it off the list`).not.toBe("guarded");
    expect(action.body, `${key} never calls authorize(…) / authorizePage(…)`).toBe("guarded");
  });

  it("every allow-listed action still exists", () => {
    const keys = new Set(moduleActions.map((a) => `${a.file}#${a.name}`));
    expect(Object.keys(ALLOWED_WITHOUT_GUARD).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('are declared in "use server" modules only (inline directives escape this check)', () => {
    expect(inlineDirectives).toEqual([]);
  });

  it("the check recognises an unguarded action (it can fail)", () => {
    const source = `"use server";\nexport const leak = validatedAction(schema, async ({ org }) => {\n  return db().select().from(channels).all();\n});\n`;
    const [action] = exportedActions("app/x/actions.ts", source);
    expect(isGuarded(action, guardingHelpers(source))).toBe(false);
    const guarded = source.replace("return db()", 'await authorize(org, "org:configure");\n  return db()');
    const [ok] = exportedActions("app/x/actions.ts", guarded);
    expect(isGuarded(ok, guardingHelpers(guarded))).toBe(true);
  });
});
