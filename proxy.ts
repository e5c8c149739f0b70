import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { env } from "@/lib/env";
import { newNonce, pageContentSecurityPolicy } from "@/lib/security-headers";

/**
 * In front of every page (not the API, not static files):
 * - a Content-Security-Policy with a fresh nonce, which Next.js reads from the
 *   request and puts on its scripts (every page renders per request, app/layout.tsx);
 * - the first door of the console: pages without a session go to sign-in.
 *   Every page, action and route handler checks authorization again on the
 *   server, and that check also refuses sessions that were ended
 *   (lib/auth/sessions.ts), which this door cannot see; a session already
 *   read as ended carries no user.
 */
export async function proxy(req: NextRequest) {
  const policy = pageContentSecurityPolicy(newNonce(), process.env.NODE_ENV === "development");
  const withPolicy = (res: NextResponse) => {
    res.headers.set("Content-Security-Policy", policy);
    return res;
  };

  const { pathname, search } = req.nextUrl;
  if (/^\/(o|orgs)(\/|$)/.test(pathname)) {
    // getToken picks the cookie name as next-auth does (Secure when NEXTAUTH_URL is https).
    const token = await getToken({ req, secret: env().authSecret });
    if (typeof token?.uid !== "string") {
      const signIn = new URL("/login", req.url);
      signIn.searchParams.set("callbackUrl", `${pathname}${search}`);
      return withPolicy(NextResponse.redirect(signIn));
    }
  }

  const headers = new Headers(req.headers);
  headers.set("content-security-policy", policy);
  return withPolicy(NextResponse.next({ request: { headers } }));
}

export const config = {
  matcher: ["/((?!api/|catch/|_next/static/|_next/image|favicon.ico).*)"],
};
