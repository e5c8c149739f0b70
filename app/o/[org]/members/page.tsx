import type { Metadata } from "next";
import { db } from "@/db/client";
import { PageHeader } from "@/components/ui/card";
import { listInvitations, listMembers, productsAdministered } from "@/lib/accounts/members";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { MembersPanel } from "./_components/members-panel";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  const administers = await productsAdministered(db(), o.id);
  const members = (await listMembers(db(), o.id)).map((m) => ({
    userId: m.userId,
    email: m.email,
    role: m.role,
    status: "active" as const,
    products: (administers.get(m.userId) ?? []).map((p) => p.name),
  }));
  // Invitations not accepted yet: listed as such, they give no access anywhere.
  const invited = (await listInvitations(db(), o.id)).map((i) => ({
    userId: i.userId,
    email: i.email,
    role: i.role,
    status: i.expired ? ("expired" as const) : ("invited" as const),
    products: [],
  }));
  return (
    <>
      <PageHeader title="Members" description="People in this organization and what they may do. Owners manage members and roles." />
      <MembersPanel
        org={org}
        members={members}
        invited={invited}
        canManage={can(principal, "org:manage")}
        selfId={principal.kind === "user" ? principal.userId : ""}
      />
    </>
  );
}
