import "server-only";
import { forbidden, notFound, redirect } from "next/navigation";
import { AppError } from "@/lib/errors";
import type { Permission } from "@/lib/auth/permissions";
import { authorize, type Authorized } from "@/lib/auth/authorize";

/**
 * `authorize` for pages: a non-member gets 404, a member without the
 * permission gets the 403 page, a signed-out visitor goes to sign-in.
 */
export async function authorizePage(orgSlug: string, permission: Permission, productId?: string): Promise<Authorized> {
  try {
    return await authorize(orgSlug, permission, productId);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    if (e.code === "forbidden") forbidden();
    if (e.code === "unauthorized") redirect("/login");
    notFound();
  }
}
