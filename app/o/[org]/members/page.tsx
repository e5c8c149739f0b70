import type { Metadata } from "next";
import { db } from "@/db/client";
import { PageHeader } from "@/components/ui/card";
import { listMembers } from "@/lib/accounts/members";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { MembersPanel } from "./_components/members-panel";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  const members = (await listMembers(db(), o.id)).map((m) => ({ ...m, joined: m.joined.toISOString() }));
  return (
    <>
      <PageHeader title="Members" description="People in this organization and what they may do. Owners manage members and roles." />
      <MembersPanel org={org} members={members} canManage={can(principal, "org:manage")} selfId={principal.kind === "user" ? principal.userId : ""} />
    </>
  );
}
