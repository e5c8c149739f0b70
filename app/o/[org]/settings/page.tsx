import type { Metadata } from "next";
import { Card, PageHeader } from "@/components/ui/card";
import { pendingDeliveryCount } from "@/lib/accounts/tokens";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { RenameOrgForm } from "./_components/rename-org-form";
import { DeleteOrgForm } from "./_components/delete-org-form";
import { RetentionForm } from "./_components/retention-form";
import { db } from "@/db/client";
import { orgs } from "@/db/schema";
import { env } from "@/lib/env";
import { eq } from "drizzle-orm";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  return (
    <>
      <PageHeader title="Organization settings" />
      <div className="space-y-6">
        <Card
          title="Organization"
          description={
            <>
              Slug <code>{o.slug}</code> (used in URLs and the API; it does not change).
            </>
          }
        >
          {can(principal, "org:manage") ? <RenameOrgForm org={org} name={o.name} /> : <p className="text-sm">{o.name}</p>}
        </Card>
        <RetentionCard org={org} orgId={o.id} canManage={can(principal, "org:manage")} />
        {can(principal, "org:manage") && (
          <Card title="Delete organization">
            <DeleteOrgForm org={org} name={o.name} pendingDeliveries={await pendingDeliveryCount(db(), o.id)} />
          </Card>
        )}
      </div>
    </>
  );
}

async function RetentionCard({ org, orgId, canManage }: { org: string; orgId: string; canManage: boolean }) {
  const [row] = await db().select({ retentionDays: orgs.retentionDays }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  const instanceDays = env().HERALD_RETENTION_DAYS;
  const days = row?.retentionDays ?? null;
  const effective = days && days < instanceDays ? days : instanceDays;
  return (
    <Card
      title="Data retention"
      description={
        <>
          Finished deliveries, their attempts, inbox notifications and the events nothing else needs are deleted after <strong>{effective} days</strong>;
          deliveries still waiting or being sent, and their events, are never deleted. This instance keeps them {instanceDays} days (
          <code>HERALD_RETENTION_DAYS</code>); an owner may keep this organization&apos;s for less. The audit log is kept {env().HERALD_AUDIT_RETENTION_DAYS}{" "}
          days.
        </>
      }
    >
      {canManage ? <RetentionForm org={org} retentionDays={days} instanceDays={instanceDays} /> : <p className="text-sm">{effective} days</p>}
    </Card>
  );
}
