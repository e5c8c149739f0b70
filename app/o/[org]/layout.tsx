import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { db } from "@/db/client";
import { productsAdministered } from "@/lib/accounts/members";
import { orgsOfUser } from "@/lib/accounts/orgs";
import { requireUser } from "@/lib/auth/authorize";
import { OrgSwitcher } from "./_components/org-switcher";
import { SignOutButton, SignOutEverywhereButton } from "./_components/sign-out-button";
import { NavLinks } from "./_components/nav-links";
import { InboxBell } from "./_components/inbox-bell";
import { UnsavedChangesGuard } from "./_components/unsaved-changes-guard";
import { unreadCount } from "@/lib/inbox/queries";

export const dynamic = "force-dynamic";

export default async function OrgLayout({ children, params }: { children: ReactNode; params: Promise<{ org: string }> }) {
  const { org: slug } = await params;
  const user = await requireUser();
  const orgs = await orgsOfUser(db(), user.id);
  const current = orgs.find((o) => o.slug === slug);
  if (!current) notFound();
  const configures = current.role === "owner" || current.role === "admin";
  // A member who administers products says so beside the role: it is what they may change here.
  const administers = current.role === "member" ? ((await productsAdministered(db(), current.id)).get(user.id) ?? []) : [];
  return (
    <div className="min-h-screen">
      <UnsavedChangesGuard />
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-6 py-3 max-sm:gap-2 max-sm:px-4">
          <Link href={`/o/${slug}`} className="text-sm font-bold tracking-wide text-indigo-600">
            HERALD
          </Link>
          <OrgSwitcher current={slug} orgs={orgs.map(({ slug, name }) => ({ slug, name }))} />
          <div className="ml-auto flex flex-wrap items-center gap-3 text-sm text-slate-600">
            <InboxBell org={slug} initialUnread={await unreadCount(db(), current.id, user.id)} />
            <span data-testid="current-user">{user.email}</span>
            <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs" data-testid="current-role">
              {current.role}
              {administers.length > 0 && ` · product admin of ${administers.map((p) => p.name).join(", ")}`}
            </span>
            <SignOutButton />
            <SignOutEverywhereButton />
          </div>
        </div>
      </header>
      {/* On a phone (below 640 px) the menu goes above the page instead of beside it. */}
      <div className="mx-auto flex max-w-7xl gap-8 px-6 py-8 max-sm:flex-col max-sm:gap-4 max-sm:px-4 max-sm:py-4">
        <nav aria-label="Organization" className="w-48 shrink-0 max-sm:w-full">
          <NavLinks org={slug} configures={configures} />
        </nav>
        <main className="min-w-0 flex-1">{children}</main>
      </div>
    </div>
  );
}
