import type { Metadata } from "next";
import { Card, PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { RenameOrgForm } from "./_components/rename-org-form";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  return (
    <>
      <PageHeader title="Organization settings" />
      <Card title="Organization" description={<>Slug <code>{o.slug}</code> (used in URLs and the API; it does not change).</>}>
        {can(principal, "org:manage") ? <RenameOrgForm org={org} name={o.name} /> : <p className="text-sm">{o.name}</p>}
      </Card>
    </>
  );
}
