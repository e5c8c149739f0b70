import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { eq } from "drizzle-orm";
import { db } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { env } from "@/lib/env";
import { verifyPassword } from "@/lib/auth/password";
import { sameOriginPath } from "@/lib/auth/redirect";
import { endSession, newSessionClaims, SESSION_MAX_AGE, sessionIsLive } from "@/lib/auth/sessions";
import { CLIENT_FREE_FAILURES, clientKey, FREE_FAILURES, recordLoginSuccess, reserveAttempt } from "@/lib/auth/throttle";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import { signInSchema } from "@/lib/validation/accounts";

/**
 * Checks e-mail + password; returns the user or null (one generic failure for every reason).
 * The attempt is counted — for the e-mail and for the client's address — before the password is compared
 * (lib/auth/throttle.ts), so concurrent guesses cannot all slip in before the first failure is written.
 */
export async function checkCredentials(input: unknown, clientAddress?: string): Promise<{ id: string; email: string; sessionVersion: number } | null> {
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const database = db();
  const failures = await database.transaction(async (tx) => {
    if (clientAddress && (await reserveAttempt(tx, clientKey(clientAddress), CLIENT_FREE_FAILURES)) === null) return null;
    return reserveAttempt(tx, email, FREE_FAILURES);
  });
  if (failures === null) {
    await recordAudit(database, {
      orgId: null,
      actor: { type: "anonymous", label: email },
      action: "signin.throttled",
    });
    return null;
  }
  const [user] = await database.select().from(users).where(eq(users.email, email)).limit(1);
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!ok || !user) {
    await database.transaction(async (tx) => {
      // Shown in the audit log of every org the account belongs to (an unknown e-mail goes to none).
      const orgIds = user ? (await tx.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, user.id))).map((m) => m.orgId) : [];
      for (const orgId of orgIds.length ? orgIds : [null]) {
        await recordAudit(tx, {
          orgId,
          actor: { type: "anonymous", label: email },
          action: "signin.failed",
          target: user ? { type: "user", id: user.id, label: email } : undefined,
          details: { failures },
        });
      }
    });
    return null;
  }
  await recordLoginSuccess(database, email, clientAddress);
  return { id: user.id, email: user.email, sessionVersion: user.sessionVersion };
}

/** The client's address as `herald start` passed it on (lib/server/request-guard.ts); unknown under `next dev`. */
function clientAddressOf(req: { headers?: Record<string, unknown> } | undefined): string | undefined {
  const value = req?.headers?.[CLIENT_ADDRESS_HEADER];
  return typeof value === "string" && value ? value : undefined;
}

export const authOptions: NextAuthOptions = {
  // A getter: the secret is read (or generated into the data dir) on first use, not at build time.
  get secret() {
    return env().authSecret;
  },
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE },
  jwt: { maxAge: SESSION_MAX_AGE },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "E-mail",
      credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
      authorize: (credentials, req) => checkCredentials(credentials, clientAddressOf(req as { headers?: Record<string, unknown> })),
    }),
  ],
  callbacks: {
    // Where next-auth sends the browser after sign-in or sign-out: only a path of ours (lib/auth/redirect.ts).
    redirect({ url, baseUrl }) {
      // next-auth's own default (the bare origin) comes back unchanged, so its callback-url cookie stays as it is.
      if (url === baseUrl) return baseUrl;
      return `${baseUrl}${sameOriginPath(url, baseUrl)}`;
    },
    // Runs at sign-in (with `user`) and on every session read, including the renewal at /api/auth/session:
    // a session that was ended on the server (lib/auth/sessions.ts) reads as an empty token, so it is
    // neither honoured nor renewed.
    async jwt({ token, user }) {
      if (user) return { ...token, ...newSessionClaims(user as unknown as { id: string; sessionVersion: number }) };
      return (await sessionIsLive(db(), token)) ? token : {};
    },
    session({ session, token }) {
      // No user in the token: no session at all (getServerSession answers null, /api/auth/session `{}`).
      if (typeof token.uid !== "string") return {} as typeof session;
      if (session.user) (session.user as { id?: string }).id = token.uid;
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      if (token) await endSession(db(), token);
    },
  },
};
