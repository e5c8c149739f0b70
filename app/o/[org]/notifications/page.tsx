import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { ChannelsSection } from "./_components/channels-section";
import { RulesSection } from "./_components/rules-section";
import { TestAlertLauncher } from "./_components/test-alert-launcher";

export const metadata: Metadata = { title: "Notifications" };

/**
 * Org settings → Notifications: where notifications go (channels) and which
 * events go there (org rules). Each section is an async server component that
 * loads its own data for the authorized org.
 */
export default async function NotificationsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, org: o } = await authorizePage(org, "org:read");
  const canEdit = can(principal, "org:configure");
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Channels say where notifications go; rules say which events go there."
        actions={canEdit ? <TestAlertLauncher org={org} orgId={o.id} /> : undefined}
      />
      <div className="space-y-8">
        <ChannelsSection org={org} orgId={o.id} canEdit={canEdit} />
        <RulesSection org={org} orgId={o.id} canEdit={canEdit} />
      </div>
    </>
  );
}
