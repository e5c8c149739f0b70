import { asc, eq } from "drizzle-orm";
import { redirect } from "next/navigation";
import { db } from "@/db/client";
import { memberships, orgs } from "@/db/schema";
import { productsAdministered } from "@/lib/accounts/members";
import { requireUser } from "@/lib/auth/authorize";

export const dynamic = "force-dynamic";

export default async function Home() {
  const user = await requireUser();
  const [first] = await db()
    .select({ id: orgs.id, slug: orgs.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(orgs, eq(orgs.id, memberships.orgId))
    .where(eq(memberships.userId, user.id))
    .orderBy(asc(orgs.name), asc(orgs.id))
    .limit(1);
  if (!first) {
    return (
      <main className="mx-auto max-w-md p-10 text-center text-sm text-slate-600">You are not a member of any organization yet. Ask an owner to add you.</main>
    );
  }
  // A member who administers products lands on the first of them: that is what they may configure.
  const [product] = first.role === "member" ? ((await productsAdministered(db(), first.id)).get(user.id) ?? []) : [];
  redirect(product ? `/o/${first.slug}/products/${product.slug}` : `/o/${first.slug}/notifications`);
}
