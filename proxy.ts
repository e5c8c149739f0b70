import { withAuth } from "next-auth/middleware";

/**
 * The first door only: pages without a session go to sign-in. Every page,
 * action and route handler checks authorization again on the server.
 */
export const proxy = withAuth({ pages: { signIn: "/login" } });

export const config = {
  matcher: ["/o/:path*", "/orgs/:path*"],
};
