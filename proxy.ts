import { withAuth } from "next-auth/middleware";

/**
 * The first door only: pages without a session go to sign-in. Every page,
 * action and route handler checks authorization again on the server, and that
 * check also refuses sessions that were ended (lib/auth/sessions.ts), which
 * this door cannot see; a session already read as ended carries no user.
 */
export const proxy = withAuth({ pages: { signIn: "/login" }, callbacks: { authorized: ({ token }) => typeof token?.uid === "string" } });

export const config = {
  matcher: ["/o/:path*", "/orgs/:path*"],
};
